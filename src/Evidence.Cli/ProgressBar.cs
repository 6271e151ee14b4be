using System.Diagnostics;
using System.Globalization;

namespace Evidence.Cli;

/// <summary>
/// A one-line progress bar on stderr for bulk or large ingests. Drawn only on a terminal, so that logs and
/// scripts that capture stderr get the messages and not a stream of carriage returns.
/// </summary>
internal sealed class ProgressBar(TextWriter stderr, bool enabled, int totalFiles, long totalBytes) : IProgress<long>
{
    private readonly Stopwatch sinceDrawn = Stopwatch.StartNew();
    private long bytesDone;
    private int filesDone;

    public void Report(long value)
    {
        Interlocked.Add(ref bytesDone, value);
        if (sinceDrawn.ElapsedMilliseconds >= 200)
        {
            Draw();
        }
    }

    public void FileDone()
    {
        Interlocked.Increment(ref filesDone);
        Draw();
    }

    public void Finish()
    {
        if (enabled)
        {
            Draw();
            stderr.WriteLine();
        }
    }

    // Several files are ingested at once: one of them draws at a time.
    private readonly Lock drawing = new();

    private void Draw()
    {
        if (!enabled)
        {
            return;
        }
        lock (drawing)
        {
            DrawLocked();
        }
    }

    private void DrawLocked()
    {
        sinceDrawn.Restart();
        const int Width = 30;
        var fraction = totalBytes > 0 ? Math.Clamp((double)bytesDone / totalBytes, 0, 1) : (totalFiles > 0 ? (double)filesDone / totalFiles : 1);
        var filled = (int)(fraction * Width);
        stderr.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{new string('#', filled)}{new string(' ', Width - filled)}] {fraction,4:P0}  {filesDone}/{totalFiles} files  {Bytes(bytesDone)} of {Bytes(totalBytes)}   "));
    }

    internal static string Bytes(long count) => count switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{count / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{count / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{count / (double)(1L << 10):0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{count} B"),
    };
}
