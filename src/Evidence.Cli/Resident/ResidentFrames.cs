using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Evidence.Cli.Resident;

/// <summary>
/// What a command line and its home's resident process say to each other over the resident's Unix socket: frames of one
/// kind byte, a 4-byte big-endian length and that many bytes. The command line sends one <see cref="Request"/> (and
/// <see cref="Cancel"/> at Ctrl+C). The resident answers <see cref="Declined"/> (the command line runs the command itself:
/// nothing was run) or <see cref="Accepted"/> (from then on the command is the resident's to run, and never run twice), then
/// stdout and stderr text as it is written, then the exit code.
/// </summary>
internal static class ResidentFrames
{
    public const byte Request = (byte)'R';
    public const byte Cancel = (byte)'C';
    public const byte Accepted = (byte)'A';
    public const byte Out = (byte)'O';
    public const byte Error = (byte)'E';
    public const byte Exit = (byte)'X';
    public const byte Declined = (byte)'D';

    // A request is its words, its environment and a few paths: far below this. Anything larger is not a command line.
    public const int MaxFrame = 4 << 20;

    public static byte[] Frame(byte kind, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = kind;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public static async Task WriteAsync(Stream stream, byte kind, byte[] payload, CancellationToken cancellationToken = default) =>
        await stream.WriteAsync(Frame(kind, payload), cancellationToken);

    /// <summary>The next frame, or null at the end of the stream (the other side closed or died).</summary>
    public static async Task<(byte Kind, byte[] Payload)?> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var header = new byte[5];
        if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken) < header.Length)
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length is < 0 or > MaxFrame)
        {
            throw new InvalidDataException($"A resident frame of {length} bytes.");
        }
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[0], payload);
    }

    public static byte[] ExitCode(int code)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, code);
        return bytes;
    }

    public static int ExitCode(byte[] payload) => payload.Length == 4
        ? BinaryPrimitives.ReadInt32BigEndian(payload)
        : throw new InvalidDataException("A resident exit frame that is not 4 bytes.");

    /// <summary>
    /// The user at the other end of a connected Unix socket, as the kernel saw it connect (SO_PEERCRED): not something the
    /// peer says about itself.
    /// </summary>
    public static uint PeerUser(Socket socket)
    {
        var credentials = default(PeerCredentials);
        var length = Marshal.SizeOf<PeerCredentials>();
        if (GetSocketOption((int)socket.Handle, SolSocket, SoPeerCred, ref credentials, ref length) != 0)
        {
            throw new IOException($"Could not read the peer of the resident socket (errno {Marshal.GetLastPInvokeError()}).");
        }
        return credentials.User;
    }

    public static uint CurrentUser() => GetEffectiveUser();

    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    [StructLayout(LayoutKind.Sequential)]
    private struct PeerCredentials
    {
        public int Process;
        public uint User;
        public uint Group;
    }

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static extern int GetSocketOption(int socket, int level, int name, ref PeerCredentials value, ref int length);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUser();
}

/// <summary>
/// One command as the command line was asked to run it: its words, where it was run from, whether stderr is a terminal,
/// the build it is (a resident of another build declines), and the environment (a resident started under another
/// declines: settings, culture and time zone come from it).
/// </summary>
internal sealed record ResidentRequest(string Build, string WorkingFolder, bool Interactive, IReadOnlyList<string> Args, IReadOnlyList<string> Environment)
{
    public byte[] ToBytes()
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes, Encoding.UTF8))
        {
            writer.Write(Build);
            writer.Write(WorkingFolder);
            writer.Write(Interactive);
            Write(writer, Args);
            Write(writer, Environment);
        }
        return bytes.ToArray();
    }

    public static ResidentRequest FromBytes(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        return new ResidentRequest(reader.ReadString(), reader.ReadString(), reader.ReadBoolean(), Read(reader), Read(reader));
    }

    private static void Write(BinaryWriter writer, IReadOnlyList<string> values)
    {
        writer.Write(values.Count);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static List<string> Read(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count is < 0 or > 100_000)
        {
            throw new InvalidDataException($"A resident request with {count} values.");
        }
        var values = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            values.Add(reader.ReadString());
        }
        return values;
    }
}
