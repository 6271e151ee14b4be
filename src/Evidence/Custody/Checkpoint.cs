using System.Globalization;

namespace Evidence.Custody;

/// <summary>
/// A C2SP tlog-checkpoint body: origin line, decimal tree size, base64 root hash, each ending in a newline.
/// Signed as a signed note; see docs/ledger.md.
/// </summary>
public sealed record Checkpoint(string Origin, long Size, byte[] Root)
{
    public string Body => string.Create(CultureInfo.InvariantCulture, $"{Origin}\n{Size}\n{Convert.ToBase64String(Root)}\n");

    public static Checkpoint Parse(string body)
    {
        var lines = body.Split('\n');
        if (lines.Length < 4 || lines[3].Length != 0 && lines.Length == 4)
        {
            throw new FormatException("A checkpoint body has an origin, a size and a root hash, one per line.");
        }
        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new FormatException($"Checkpoint size '{lines[1]}' is not a decimal number.");
        }
        var root = Convert.FromBase64String(lines[2]);
        if (root.Length != 32)
        {
            throw new FormatException("A checkpoint root hash has 32 bytes.");
        }
        return new Checkpoint(lines[0], size, root);
    }
}
