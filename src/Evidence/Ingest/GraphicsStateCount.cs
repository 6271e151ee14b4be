namespace Evidence.Ingest;

/// <summary>
/// Counts a PDF content stream's <c>q</c> (save graphics state) and <c>Q</c> (restore) operators, for the check before
/// PdfPig reads it: each <c>q</c> makes PdfPig copy the whole graphics state (about 250 bytes for the 2 bytes of "q "), so
/// an 8 KB PDF of 4,000,000 nested <c>q</c> took 1.8 GB. PDF 1.7 (Annex C) puts the nesting a reader must support at 28;
/// a file nested past <see cref="MaxDepth"/>, or with more than <see cref="MaxSaves"/> saves, is not read for its text.
/// The count looks at tokens only (a lone q or Q between white space or delimiters), so it also runs, harmlessly, over
/// fonts and images: their bytes would need hundreds of unbalanced lone q's in a row to reach the limit.
/// </summary>
internal sealed class GraphicsStateCount
{
    public const int MaxDepth = 256;
    public const long MaxSaves = 1_000_000;

    private int depth;
    private long saves;
    private byte before = (byte)' ';
    private byte candidate;

    /// <summary>Why the bytes seen so far must not be read, or null.</summary>
    public string? Problem => depth > MaxDepth
        ? $"its graphics states are nested more than {MaxDepth} deep"
        : saves > MaxSaves ? $"it saves its graphics state more than {MaxSaves:N0} times" : null;

    /// <summary>Counts the next bytes of the stream (called block by block; a token may span two blocks).</summary>
    public void Add(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (candidate != 0)
            {
                if (Separates(b))
                {
                    if (candidate == (byte)'q')
                    {
                        depth++;
                        saves++;
                    }
                    else if (depth > 0)
                    {
                        depth--;
                    }
                    if (Problem is not null)
                    {
                        return;
                    }
                }
                candidate = 0;
            }
            else if (b is (byte)'q' or (byte)'Q' && Separates(before))
            {
                candidate = b;
            }
            before = b;
        }
    }

    /// <summary>Why these bytes must not be read, or null.</summary>
    public static string? ProblemIn(ReadOnlySpan<byte> bytes)
    {
        var count = new GraphicsStateCount();
        count.Add(bytes);
        count.Add(" "u8); // the end of the stream ends a token
        return count.Problem;
    }

    // PDF white space and delimiters (PDF 1.7, §7.2.2).
    private static bool Separates(byte b) => b is 0 or 9 or 10 or 12 or 13 or 32 or (byte)'(' or (byte)')' or (byte)'<' or (byte)'>'
        or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';
}
