using Evidence.Provenance;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Provenance;

/// <summary>
/// "Never throws for a damaged or hostile file": the readers run at intake on whatever arrives, so an exception they let
/// through refuses the item (evidence lost). Seeded byte mutations of real photos, each read by the EXIF and C2PA readers.
/// </summary>
public sealed class HostileFileFuzzTests
{
    private static string Photo(string name) => Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance", name);

    [Theory]
    [InlineData("P1000827.jpg", "image/jpeg")]
    [InlineData("CA.jpg", "image/jpeg")]
    [InlineData("P1000827.jpg", "video/quicktime")]
    [InlineData("CA.jpg", "image/png")]
    public void MutatedFiles_NeverThrow(string name, string mediaType)
    {
        var original = File.ReadAllBytes(Photo(name));
        var random = new Random(17);
        var failures = new List<string>();
        for (var round = 0; round < 300; round++)
        {
            var bytes = (byte[])original.Clone();
            var length = random.Next(4) == 0 ? random.Next(8, bytes.Length) : bytes.Length; // truncated
            for (var i = 0; i < 1 + random.Next(8); i++)
            {
                // Mostly in the first 64 KiB, where the metadata segments are.
                bytes[random.Next(Math.Min(length, 65536))] = (byte)random.Next(256);
            }
            var file = bytes[..length];
            try
            {
                ExifReader.Read(new MemoryStream(file), mediaType);
            }
            catch (Exception e)
            {
                failures.Add($"exif round {round}: {e.GetType().Name}: {e.Message}");
            }
            try
            {
                C2paReader.Read(new MemoryStream(file));
            }
            catch (Exception e)
            {
                failures.Add($"c2pa round {round}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }
}
