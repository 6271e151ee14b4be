using System.Net.Sockets;
using System.Text;
using Evidence.Storage;

namespace Evidence.Cli.Resident;

/// <summary>
/// A home's resident process (`evidence resident`, started by the command line itself): it runs commands for the command
/// line, so that a command does not pay .NET's and EF Core's first use again each time (about 0.4 s of a 0.5 s `case add`:
/// compiling and loading code, not work). Each command runs exactly as in its own process: a fresh <see cref="CliApp"/>
/// and fresh services for the request, stopped when it ends, in the caller's working folder, with the caller's stdout and
/// stderr; nothing of one command's services or data is kept for the next. What stays is code.
/// <para>
/// Reachable only by the home's owner: the socket is in an owner-only folder, and a connection from another user is
/// refused (the kernel's SO_PEERCRED, not the peer's word). It declines, and stops, for a command line of another build or
/// another environment; the command line then runs the command itself and starts a fresh resident. It runs one command at a
/// time and declines a second while busy. It stops after <see cref="IdleTime"/> without a command, or when its home or
/// its socket is gone.
/// </para>
/// </summary>
internal sealed class ResidentProcess(ResidentHome home)
{
    public static readonly TimeSpan IdleTime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    private readonly string build = ResidentHome.Build();
    private readonly List<string> environment = ResidentHome.Variables();
    private readonly CancellationTokenSource stopping = new();
    private int busy;
    private Task warmedUp = Task.CompletedTask;
    private readonly CancellationTokenSource warmingUp = new();
    private DateTime lastUsed = DateTime.UtcNow;

    /// <summary>Serves until idle, stopped or cancelled. Returns at once when another resident already serves the home.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!home.Exists)
        {
            throw new UsageException($"There is no Evidence home at {home.Home} for a resident process to serve.");
        }
        // A home another account can write may hold a resident/ of theirs, or a link to one: then no resident for this home.
        // The link is looked at first, so that the folder it leads to is not tightened; tightening fails quietly on a folder not
        // this account's, so the mode after it says whose it is.
        if (OperatingSystem.IsWindows() || new DirectoryInfo(home.Folder).LinkTarget is not null)
        {
            return;
        }
        OwnerOnly.CreateFolder(home.Folder);
        if (File.GetUnixFileMode(home.Folder) != OwnerOnly.FolderPermissions)
        {
            return;
        }
        // Not the folder of the command that started it, which it would otherwise keep in use for as long as it runs.
        Directory.SetCurrentDirectory(home.Folder);
        FileStream held;
        try
        {
            // One resident per home. The lock (flock) is the kernel's: it goes when this process goes, however it ends.
            var options = OwnerOnly.NewFile(FileMode.OpenOrCreate, FileAccess.ReadWrite);
            options.Share = FileShare.None;
            held = new FileStream(home.LockPath, options);
        }
        catch (IOException)
        {
            return;
        }
        using (held)
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token))
        {
            File.Delete(home.SocketPath); // a dead resident's: no process holds the lock, so none listens on it
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(home.SocketPath));
            listener.Listen(16);
            var socketFile = new FileInfo(home.SocketPath);
            warmedUp = WarmUpAsync(warmingUp.Token);
            var connections = new List<Task> { warmedUp };
            try
            {
                while (!stop.IsCancellationRequested && StillWanted(socketFile))
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    wait.CancelAfter(Poll);
                    Socket connection;
                    try
                    {
                        connection = await listener.AcceptAsync(wait.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        continue;
                    }
                    connections.RemoveAll(c => c.IsCompleted);
                    connections.Add(ServeAsync(connection));
                }
            }
            finally
            {
                // Removed before the lock goes, so that no command line connects to a socket nobody will accept on.
                File.Delete(home.SocketPath);
                await warmingUp.CancelAsync();
                await Task.WhenAll(connections);
            }
        }
    }

    /// <summary>
    /// Runs one `case add` on a scratch home of its own (HOME/resident/warm-up), deleted after, so that the first command it serves is as quick as the
    /// next: a write goes through every layer a command has (services, EF Core, the ledger, the signature). The scratch home
    /// is on SQLite and the folder store whatever this home uses: no EVIDENCE_ variable reaches it, so nothing is written to
    /// this home's database or blob store, nor asked of its time-stamping authority. A command that comes meanwhile cancels it.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        // Beside the socket, where only this resident (it holds the lock) works, and whatever a killed one left goes first.
        var scratch = Path.Combine(home.Folder, "warm-up");
        try
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
            OwnerOnly.CreateFolder(scratch);
            var app = new CliApp(TextWriter.Null, TextWriter.Null, interactive: false,
                name => name.StartsWith("EVIDENCE_", StringComparison.Ordinal) ? null : System.Environment.GetEnvironmentVariable(name));
            await app.RunAsync(["--home", scratch, "case", "add", "--title", "warm-up"], cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only ever a head start: whatever failed here fails again, and is reported, where a command meets it.
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left owner-only, holding one case called warm-up, for the next resident to remove.
            }
            lastUsed = DateTime.UtcNow;
        }
    }

    private bool StillWanted(FileInfo socketFile)
    {
        if (Volatile.Read(ref busy) != 0)
        {
            return true;
        }
        socketFile.Refresh();
        return DateTime.UtcNow - lastUsed < IdleTime && home.Exists && socketFile.Exists;
    }

    private async Task ServeAsync(Socket connection)
    {
        using (connection)
        await using (var stream = new NetworkStream(connection, ownsSocket: false))
        {
            try
            {
                if (ResidentFrames.PeerUser(connection) != ResidentFrames.CurrentUser())
                {
                    return; // another user reached the socket (a folder's mode changed by hand): not served, not told why
                }
                using var first = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                if (await ResidentFrames.ReadAsync(stream, first.Token) is not (ResidentFrames.Request, var payload))
                {
                    return;
                }
                var request = ResidentRequest.FromBytes(payload);
                if (request.Build != build || !request.Environment.SequenceEqual(environment, StringComparer.Ordinal))
                {
                    // The command line was rebuilt, or its settings changed: it runs the command itself and starts a new resident.
                    await ResidentFrames.WriteAsync(stream, ResidentFrames.Declined, Encoding.UTF8.GetBytes("another build or environment"));
                    stopping.Cancel();
                    return;
                }
                // A command that comes while the warm-up runs (a second or so) stops it: the code it has loaded so far is
                // kept, and the command does not wait for the rest.
                await warmingUp.CancelAsync();
                await warmedUp;
                if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
                {
                    await ResidentFrames.WriteAsync(stream, ResidentFrames.Declined, Encoding.UTF8.GetBytes("busy"));
                    return;
                }
                var free = new Free(this);
                try
                {
                    await RunCommandAsync(stream, request, free);
                }
                finally
                {
                    free.Release();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidDataException or EndOfStreamException or FormatException or ArgumentException
                                          or OperationCanceledException or ObjectDisposedException)
            {
                // The command line went away, or sent what no command line sends: nothing was run for it, or its command was cancelled.
            }
        }
    }

    /// <summary>Ends one command's hold on the process, once: early, before its exit code is sent, or when it failed before that.</summary>
    private sealed class Free(ResidentProcess resident)
    {
        private int released;

        public void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                resident.lastUsed = DateTime.UtcNow;
                Volatile.Write(ref resident.busy, 0);
            }
        }
    }

    private async Task RunCommandAsync(NetworkStream stream, ResidentRequest request, Free free)
    {
        if (!Directory.Exists(request.WorkingFolder))
        {
            await ResidentFrames.WriteAsync(stream, ResidentFrames.Declined, Encoding.UTF8.GetBytes("no such working folder"));
            return;
        }
        // From here the command may record something: the command line must not run it again, whatever happens next.
        await ResidentFrames.WriteAsync(stream, ResidentFrames.Accepted, []);
        var gate = new object();
        using var stdout = new FrameWriter(stream, ResidentFrames.Out, gate);
        using var stderr = new FrameWriter(stream, ResidentFrames.Error, gate);
        using var cancel = new CancellationTokenSource();
        var watching = CancelOnRequestAsync(stream, cancel);
        var (previousOut, previousError) = (Console.Out, Console.Error);
        int code;
        try
        {
            // One command at a time (busy), so the process-wide console and working folder are this command's while it runs.
            // The console carries what the command's loggers write, as it does in a command's own process.
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Directory.SetCurrentDirectory(request.WorkingFolder);
            code = await new CliApp(Console.Out, Console.Error, request.Interactive).RunAsync(request.Args, cancel.Token);
        }
        catch (Exception e)
        {
            // What the runtime would print and exit with (SIGABRT) had the command run in its own process; then this process
            // stops, since whatever failed may have left it in a state no command should run in.
            Console.Error.Write($"Unhandled exception. {e}\n");
            code = 134;
            stopping.Cancel();
        }
        finally
        {
            Console.Out.Flush();
            Console.Error.Flush();
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            Directory.SetCurrentDirectory(home.Folder);
        }
        // Free before the caller hears the end, so that its next command, sent at once, is not declined as busy.
        free.Release();
        lock (gate)
        {
            stream.Write(ResidentFrames.Frame(ResidentFrames.Exit, ResidentFrames.ExitCode(code)));
        }
        await cancel.CancelAsync(); // ends the watch for a cancel frame
        await watching;
    }

    /// <summary>A cancel frame (Ctrl+C at the command line) or the command line gone (a second Ctrl+C kills it) cancels the command.</summary>
    private static async Task CancelOnRequestAsync(NetworkStream stream, CancellationTokenSource cancel)
    {
        try
        {
            while (await ResidentFrames.ReadAsync(stream, cancel.Token) is { } frame)
            {
                if (frame.Kind == ResidentFrames.Cancel)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone, garbled, or the command has ended: cancelling an ended command does nothing.
        }
        await cancel.CancelAsync();
    }

    /// <summary>
    /// Text written by the command, sent to the command line as it comes: a line at a time, so that progress reaches the
    /// terminal as it would from a command's own process. A command line that went away loses the rest; the command goes on
    /// until it sees the cancel.
    /// </summary>
    private sealed class FrameWriter(NetworkStream stream, byte kind, object gate) : TextWriter
    {
        private readonly StringBuilder pending = new();
        private bool gone;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            pending.Append(value);
            // Never between the two halves of a surrogate pair: each frame is valid UTF-8 on its own.
            if (value == '\n' || (pending.Length >= 4096 && !char.IsHighSurrogate(value)))
            {
                Flush();
            }
        }

        public override void Write(string? value)
        {
            pending.Append(value);
            FlushWhole();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            pending.Append(buffer, index, count);
            FlushWhole();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            pending.Append(buffer);
            FlushWhole();
        }

        public override void Flush()
        {
            if (pending.Length == 0)
            {
                return;
            }
            var text = pending.ToString();
            pending.Clear();
            lock (gate)
            {
                // One write may be larger than a frame may be (`ingest --json` of a big folder is one string): sent in frames
                // of at most Chunk characters (3 bytes each at most in UTF-8), never between the two halves of a surrogate pair.
                for (var start = 0; start < text.Length && !gone;)
                {
                    var length = Math.Min(Chunk, text.Length - start);
                    if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
                    {
                        length--;
                    }
                    try
                    {
                        stream.Write(ResidentFrames.Frame(kind, Encoding.UTF8.GetBytes(text, start, length)));
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                    {
                        gone = true;
                    }
                    start += length;
                }
            }
        }

        private const int Chunk = 64 << 10;

        private void FlushWhole()
        {
            if (pending.Length > 0 && !char.IsHighSurrogate(pending[^1]))
            {
                Flush();
            }
        }
    }
}
