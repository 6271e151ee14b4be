using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Evidence.Cli.Demo;

/// <summary>
/// Writes a small set of synthetic evidence files for the demo. Every file says it is synthetic; no real
/// person, child or document is depicted or named, and victims appear only as pseudonym codes.
/// </summary>
internal static class SyntheticFiles
{
    public static IReadOnlyList<string> WriteTo(string folder)
    {
        // The folder sits in the home, which this may be the first to create: owner-only, as the home would be.
        if (Path.GetDirectoryName(Path.GetFullPath(folder)) is { } home && !Directory.Exists(home))
        {
            Storage.OwnerOnly.CreateFolder(home);
        }
        Storage.OwnerOnly.CreateFolder(folder);
        var photo = Png(320, 200);
        var files = new (string Name, byte[] Bytes)[]
        {
            ("photo-bus-at-departure-point.png", photo),
            ("transfer-order-scan.pdf", Pdf("SYNTHETIC DEMO DOCUMENT - not a real order. Transfer list for children V-0001 to V-0004.")),
            ("testimony-witness-W-017.txt", Encoding.UTF8.GetBytes(
                "SYNTHETIC DEMO TESTIMONY - no real person.\n" +
                "Witness W-017 states that on 2022-10-14 a group of children (V-0001, V-0002) was taken by bus\n" +
                "from the children's home to the ferry crossing, accompanied by uniformed men.\n")),
            ("registry-extract.csv", Encoding.UTF8.GetBytes(
                "pseudonym,age_at_incident,status\nV-0001,9,deported\nV-0002,12,located\nV-0003,6,returned\nV-0004,15,deported\n")),
            ("photo-children-boarding.png", Png(400, 240)),
            // As a phone writes it: capture time, device and GPS position in the file's own EXIF block.
            ("photo-ferry-crossing.png", GeotaggedPng(360, 220, FerryLatitude, FerryLongitude, "2022:10:14 10:42:00", "+03:00", "DemoPhone", "Synthetic X1")),
            // Content Credentials: a real photo signed by the C2PA reference implementation's test certificate.
            ("c2pa-signed-photo.jpg", C2paSignedPhoto()),
            ("testimony-witness-W-030-uk.txt", Encoding.UTF8.GetBytes(
                "СИНТЕТИЧНЕ ДЕМОНСТРАЦІЙНЕ СВІДЧЕННЯ - жодної реальної особи.\n" +
                "Свідок W-030 повідомляє, що 14.10.2022 дітей (V-0003, V-0004) вивезли автобусом від дитячого будинку\n" +
                "до переправи; батьків і опікунів ніхто не питав.\n")),
            ("photo-camp-gate.png", Png(300, 300)),
            ("testimony-caregiver-W-021.txt", Encoding.UTF8.GetBytes(
                "SYNTHETIC DEMO TESTIMONY - no real person.\n" +
                "Caregiver W-021 states that the children's home director was told by an official that the children\n" +
                "would be 'evacuated for their safety' and that parents and guardians were not asked.\n")),
            ("camp-roster.txt", Encoding.UTF8.GetBytes(
                "SYNTHETIC DEMO DOCUMENT. Roster of a 'recreation' camp, arrivals 2022-10-16: V-0001, V-0002, V-0004.\n")),
            ("guardianship-decision.pdf", Pdf("SYNTHETIC DEMO DOCUMENT - not a real decision. Temporary guardianship of V-0004 by a family in the Russian Federation.")),
            ("citizenship-application.pdf", Pdf("SYNTHETIC DEMO DOCUMENT - not a real application. Application for Russian citizenship filed for V-0001.")),
            ("unit-movement-log.txt", Encoding.UTF8.GetBytes(
                "SYNTHETIC DEMO DOCUMENT. Movement log: Unit 0000 escorts two buses from the children's home to the ferry, 2022-10-14.\n")),
            // The same photo again, as forwarded by a second source: stored once, recorded twice.
            (Path.Combine("forwarded", "IMG_0042.png"), photo),
        };
        var paths = new List<string>();
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Where the synthetic ferry photo says it was taken (the crossing at Antonivka, by Kherson).</summary>
    public const double FerryLatitude = 46.6739, FerryLongitude = 32.7175;

    /// <summary>The English translation of W-030's testimony, ingested with `derive` as an item of its own.</summary>
    public static readonly byte[] TranslationOfW030 = Encoding.UTF8.GetBytes(
        "SYNTHETIC DEMO TRANSLATION (from Ukrainian) - no real person.\n" +
        "Witness W-030 reports that on 14.10.2022 children (V-0003, V-0004) were taken by bus from the children's home\n" +
        "to the crossing; nobody asked the parents or guardians.\n");

    private static byte[] C2paSignedPhoto()
    {
        using var resource = typeof(SyntheticFiles).Assembly.GetManifestResourceStream("demo/c2pa-signed-photo.jpg")
                             ?? throw new InvalidOperationException("The demo's C2PA photo is missing from the build.");
        using var bytes = new MemoryStream();
        resource.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>A minimal valid PDF with one line of text.</summary>
    internal static byte[] Pdf(string text)
    {
        var content = $"BT /F1 12 Tf 40 780 Td ({text.Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal)}) Tj ET";
        var objects = new[]
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.ASCII.GetByteCount(pdf.ToString()));
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Encoding.ASCII.GetByteCount(pdf.ToString());
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>An RGB PNG: a sky-to-road gradient with a dark box standing for a bus.</summary>
    internal static byte[] Png(int width, int height)
    {
        var raw = new byte[height * (1 + width * 3)];
        for (var y = 0; y < height; y++)
        {
            var row = y * (1 + width * 3);
            for (var x = 0; x < width; x++)
            {
                var bus = x is > 80 and < 240 && y is > 90 and < 150;
                var p = row + 1 + x * 3;
                raw[p] = (byte)(bus ? 40 : 120 + y / 2);
                raw[p + 1] = (byte)(bus ? 60 : 160 - y / 4);
                raw[p + 2] = (byte)(bus ? 90 : 220 - y / 2);
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw);
            }
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>
    /// A PNG carrying a camera's EXIF block (PNG's <c>eXIf</c> chunk): capture time with its offset, make, model and a GPS
    /// position, as a phone writes them. Evidence reads them at intake and compares them with what the investigator states.
    /// </summary>
    internal static byte[] GeotaggedPng(int width, int height, double latitude, double longitude, string capturedAt, string offset, string make, string model)
    {
        var png = Png(width, height);
        // eXIf goes before the image data (PNG 3rd edition, §11.3.6.1): after IHDR, which is 8 + 25 bytes into the file.
        using var tagged = new MemoryStream();
        tagged.Write(png.AsSpan(0, 33));
        Chunk(tagged, "eXIf", Exif(latitude, longitude, capturedAt, offset, make, model));
        tagged.Write(png.AsSpan(33));
        return tagged.ToArray();
    }

    /// <summary>
    /// A big-endian TIFF structure as EXIF 2.32 lays it out: IFD0 (make, model, pointers), the Exif IFD (DateTimeOriginal,
    /// OffsetTimeOriginal) and the GPS IFD (version, N/E references, degrees-minutes-seconds as rationals). Values longer
    /// than four bytes sit after the three directories, at the offsets the entries give.
    /// </summary>
    private static byte[] Exif(double latitude, double longitude, string capturedAt, string offset, string make, string model)
    {
        const ushort Ascii = 2, Long = 4, Rational = 5, Byte = 1;
        var ifd0 = new List<(ushort Tag, ushort Type, uint Count, byte[] Value)>
        {
            (0x010F, Ascii, 0, Text(make)), (0x0110, Ascii, 0, Text(model)), (0x8769, Long, 1, []), (0x8825, Long, 1, []),
        };
        var exif = new List<(ushort Tag, ushort Type, uint Count, byte[] Value)> { (0x9003, Ascii, 0, Text(capturedAt)), (0x9011, Ascii, 0, Text(offset)) };
        var gps = new List<(ushort Tag, ushort Type, uint Count, byte[] Value)>
        {
            (0x0000, Byte, 4, [2, 3, 0, 0]),
            (0x0001, Ascii, 0, Text(latitude >= 0 ? "N" : "S")), (0x0002, Rational, 3, Degrees(Math.Abs(latitude))),
            (0x0003, Ascii, 0, Text(longitude >= 0 ? "E" : "W")), (0x0004, Rational, 3, Degrees(Math.Abs(longitude))),
        };
        static int Size(int entries) => 2 + (12 * entries) + 4;
        var ifd0At = 8;
        var exifAt = ifd0At + Size(ifd0.Count);
        var gpsAt = exifAt + Size(exif.Count);
        var dataAt = gpsAt + Size(gps.Count);
        ifd0[2] = ifd0[2] with { Value = BigEndian((uint)exifAt) };
        ifd0[3] = ifd0[3] with { Value = BigEndian((uint)gpsAt) };

        var tiff = new MemoryStream();
        tiff.Write("MM\0*"u8);
        tiff.Write(BigEndian(8u));
        var data = new MemoryStream();
        foreach (var ifd in new[] { ifd0, exif, gps })
        {
            tiff.Write(BigEndian((ushort)ifd.Count));
            foreach (var (tag, type, count, value) in ifd)
            {
                tiff.Write(BigEndian(tag));
                tiff.Write(BigEndian(type));
                tiff.Write(BigEndian(type == Ascii ? (uint)value.Length : count));
                if (value.Length <= 4)
                {
                    tiff.Write(value);
                    tiff.Write(new byte[4 - value.Length]);
                }
                else
                {
                    tiff.Write(BigEndian((uint)(dataAt + data.Length)));
                    data.Write(value);
                    if (data.Length % 2 == 1)
                    {
                        data.WriteByte(0); // values start on a word boundary
                    }
                }
            }
            tiff.Write(BigEndian(0u)); // no next directory
        }
        tiff.Write(data.ToArray());
        return tiff.ToArray();

        static byte[] Text(string value) => Encoding.ASCII.GetBytes(value + "\0");

        // Degrees, minutes and hundredths of seconds, as three unsigned rationals.
        static byte[] Degrees(double value)
        {
            var degrees = (uint)Math.Floor(value);
            var minutes = (uint)Math.Floor((value - degrees) * 60);
            var hundredths = (uint)Math.Round((((value - degrees) * 60) - minutes) * 6000);
            return [.. BigEndian(degrees), .. BigEndian(1u), .. BigEndian(minutes), .. BigEndian(1u), .. BigEndian(hundredths), .. BigEndian(100u)];
        }
    }

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] BigEndian(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typed));
        png.Write(crc);
    }
}
