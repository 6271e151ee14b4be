using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Evidence.Cli.Resident;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>
/// A home's resident process (src/Evidence.Cli/Resident): the real `evidence resident` process, as the command line starts
/// it, serving commands over its Unix socket. The command line's side runs here, in the test, so that whether a command was
/// served by the resident (a code) or left to the caller (null) is seen directly. On SQLite only: the processes here read
/// the test's environment, which names no PostgreSQL database, and what runs a command does not depend on where it records.
/// </summary>
public sealed class ResidentTests : IAsyncLifetime
{
    private readonly TestHome folder = new();
    private readonly List<Process> residents = [];

    private string Home => Path.Combine(folder.Path, "home");
    private ResidentHome Resident => new(Home);
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "Evidence.Cli.dll");

    [SqliteFact]
    public async Task CaseAdd_ServedByTheResident_RecordedAsInItsOwnProcess()
    {
        await StartResidentAsync();

        var (exit, stdout, stderr) = await ThroughResidentAsync("case", "add", "--title", "Kherson, 2022");

        Assert.True(exit == 0, stderr);
        var id = Guid.Parse(stdout.Trim());
        Assert.Equal("", stderr);
        Assert.Equal(0, (await Run.CliAsync(Home, "verify")).Exit);
        var events = await Run.CliAsync(Home, "log", "events");
        Assert.Contains(events.Out.Split('\n'), line => line.Contains("CaseOpened", StringComparison.Ordinal) && line.Contains(id.ToString(), StringComparison.Ordinal));
    }

    [SqliteFact]
    public async Task RefusedCommand_ExitCodeAndMessageReachTheCaller_AndTheResidentServesTheNext()
    {
        await StartResidentAsync();

        var refused = await ThroughResidentAsync("case", "member", "not-a-case", "Olena K.");
        var next = await ThroughResidentAsync("case", "add", "--title", "next", "--json");

        Assert.Equal(2, refused.Exit);
        Assert.Contains("'not-a-case' is not a case id.", refused.Err, StringComparison.Ordinal);
        Assert.Equal("", refused.Out);
        Assert.Equal(0, next.Exit);
        Assert.True(JsonDocument.Parse(next.Out).RootElement.TryGetProperty("id", out _));
    }

    /// <summary>Relative paths in the words lead from the caller's working folder, not from wherever the resident runs.</summary>
    [SqliteFact]
    public async Task Ingest_RelativePath_ReadFromTheCallersFolder()
    {
        await StartResidentAsync();
        folder.File("uploads/звіт свідка.txt", "Witness: the bus left at 08:30."u8.ToArray());

        var (exit, stdout, stderr) = await ThroughResidentFromAsync(Path.Combine(folder.Path, "uploads"), CancellationToken.None, "ingest", "звіт свідка.txt", "--collector", "Olena K.", "--json");

        Assert.True(exit == 0, stderr);
        var record = JsonDocument.Parse(stdout).RootElement[0];
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("Witness: the bus left at 08:30."u8)), record.GetProperty("sha256").GetString());
    }

    /// <summary>Settings come from the environment: a resident started under another declines, and stops, so a new one can start.</summary>
    [SqliteFact]
    public async Task OtherEnvironment_Declined_NothingRun_AndTheResidentStops()
    {
        var resident = await StartResidentAsync(("EVIDENCE_ORG_NAME", "Another organisation"));

        var declined = await ThroughResidentAsync("case", "add", "--title", "not here");

        Assert.Null(declined.Exit);
        Assert.True(resident.WaitForExit(15_000), "the resident did not stop");
        Assert.False(File.Exists(Resident.SocketPath));
        Assert.DoesNotContain("not here", (await Run.CliAsync(Home, "log", "events")).Out, StringComparison.Ordinal);
    }

    /// <summary>A home another account can write may hold its own resident/ (here a link out of the home): no resident for that home.</summary>
    [SqliteFact]
    public async Task ResidentFolderALinkElsewhere_NoResident()
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "case", "add", "--title", "the home exists")).Exit);
        var elsewhere = Directory.CreateDirectory(Path.Combine(folder.Path, "planted")).FullName;
        File.SetUnixFileMode(elsewhere, (UnixFileMode)0b111_101_101);
        Directory.CreateSymbolicLink(Resident.Folder, elsewhere);

        using var resident = StartProcess(Cli, "resident", "--home", Home);

        Assert.True(resident.WaitForExit(15_000), "a resident ran in a planted folder");
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                     | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(elsewhere)); // not tightened through the link
    }

    [SqliteFact]
    public async Task SecondResidentForTheSameHome_StopsAtOnce()
    {
        await StartResidentAsync();

        using var second = StartProcess(Cli, "resident", "--home", Home);

        Assert.True(second.WaitForExit(15_000), "a second resident kept running");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(0, (await ThroughResidentAsync("case", "add", "--title", "still served")).Exit);
    }

    [SqliteFact]
    public async Task HomeRemoved_TheResidentStops()
    {
        var resident = await StartResidentAsync();

        Directory.Delete(Home, recursive: true);

        Assert.True(resident.WaitForExit(15_000), "the resident outlived its home");
    }

    /// <summary>What no command line sends: a frame claiming gigabytes, bytes that are no request. Nothing runs; the next caller is served.</summary>
    [SqliteFact]
    public async Task HostileFrames_NothingRun_TheResidentServesTheNext()
    {
        await StartResidentAsync();

        foreach (var bytes in new byte[][] { [(byte)'R', 0x7f, 0xff, 0xff, 0xff], [(byte)'R', 0, 0, 0, 3, 1, 2, 3], [(byte)'X', 0, 0, 0, 0], [] })
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Resident.SocketPath));
            await socket.SendAsync(bytes);
            socket.Shutdown(SocketShutdown.Send);
            var answer = new byte[64];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.Equal(0, await socket.ReceiveAsync(answer, SocketFlags.None, timeout.Token)); // closed without a word
        }

        Assert.Equal(0, (await ThroughResidentAsync("case", "add", "--title", "after")).Exit);
        Assert.DoesNotContain("\"Kind\"", (await Run.CliAsync(Home, "verify")).Err, StringComparison.Ordinal);
    }

    /// <summary>Ctrl+C at the command line cancels the command in the resident: nothing recorded for it, exit 2, and the resident serves the next.</summary>
    [SqliteFact]
    public async Task Cancelled_NothingRecorded_Exit2()
    {
        await StartResidentAsync();
        var big = Path.Combine(folder.Path, "big.bin");
        await using (var file = File.Create(big))
        {
            file.SetLength(1L << 30); // a sparse gigabyte: long enough to be cancelled while it is hashed
        }
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var (exit, stdout, stderr) = await ThroughResidentFromAsync(folder.Path, cancel.Token, "ingest", big, "--collector", "A", "--json");

        Assert.Equal(2, exit);
        Assert.Contains("cancelled", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Ingested", (await Run.CliAsync(Home, "log", "events")).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await ThroughResidentAsync("case", "add", "--title", "after")).Exit);
        _ = stdout;
    }

    /// <summary>
    /// Output far larger than a frame may be (`ingest --json` of a big folder writes its whole answer at once): it reaches the
    /// caller whole, with the command's exit code, not "the resident stopped" after the command recorded everything.
    /// </summary>
    [SqliteFact]
    public async Task LargeOutput_OneWrite_ReachesTheCallerWhole()
    {
        await StartResidentAsync();
        // A '+' is written as \u002B in the JSON: 2,600 names of 250 of them are well over the 4 MiB a frame may hold.
        for (var i = 0; i < 2_600; i++)
        {
            folder.File(Path.Combine("many", $"{i:D4}{new string('+', 246)}"), [(byte)i, (byte)(i >> 8)]);
        }

        var (exit, stdout, stderr) = await ThroughResidentAsync("ingest", Path.Combine(folder.Path, "many"), "--collector", "A", "--json");

        Assert.True(exit == 0, stderr);
        Assert.True(stdout.Length > ResidentFrames.MaxFrame, $"{stdout.Length} characters");
        Assert.Equal(2_600, JsonDocument.Parse(stdout).RootElement.GetArrayLength());
    }

    /// <summary>
    /// Ctrl+C while the resident has not yet answered (it finishes its warm-up first, or is slow): no unhandled exception. The
    /// resident is told to cancel before it could start the command, and the caller hears whether it took it.
    /// </summary>
    [SqliteFact]
    public async Task CtrlCBeforeTheResidentAnswers_CancelSent_NoCrash()
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "case", "add", "--title", "the home exists")).Exit);
        Directory.CreateDirectory(Resident.Folder);
        // A resident that reads the request and answers only after the caller pressed Ctrl+C.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Resident.SocketPath));
        listener.Listen(1);
        var slow = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync();
            await using var stream = new NetworkStream(connection);
            Assert.Equal(ResidentFrames.Request, (await ResidentFrames.ReadAsync(stream))?.Kind);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var next = await ResidentFrames.ReadAsync(stream, timeout.Token);
            await ResidentFrames.WriteAsync(stream, ResidentFrames.Declined, []);
            return next?.Kind;
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var (exit, _, _) = await ThroughResidentFromAsync(folder.Path, cancel.Token, "case", "add", "--title", "pressed Ctrl+C");

        Assert.Null(exit); // declined: the caller runs it, with the cancelled token, so nothing is recorded
        Assert.Equal(ResidentFrames.Cancel, await slow);
    }

    /// <summary>
    /// A resident killed (SIGKILL, the OOM killer, a reboot) leaves its socket file behind: the next command runs in its own
    /// process and starts a new resident, rather than take the file for a living resident and never start one again.
    /// </summary>
    [SqliteFact]
    public async Task KilledResident_SocketLeftBehind_TheNextCommandStartsANewOne()
    {
        var killed = await StartResidentAsync();
        killed.Kill();
        await killed.WaitForExitAsync();
        Assert.True(File.Exists(Resident.SocketPath)); // what a killed resident leaves

        Assert.Equal(0, (await ProcessAsync([("EVIDENCE_RESIDENT", "on")], "--home", Home, "case", "add", "--title", "in its own process")).Exit);

        var listening = false;
        for (var waited = 0; waited < 30_000 && !listening; waited += 100)
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Resident.SocketPath));
                listening = true;
            }
            catch (SocketException)
            {
                await Task.Delay(100); // refused: nobody listens on the file (yet)
            }
        }
        Assert.True(listening, "no resident was started again");
    }

    /// <summary>A command run from a folder that was removed meanwhile runs (its paths are absolute), as it does without a resident.</summary>
    [SqliteFact]
    public async Task WorkingFolderRemoved_TheCommandStillRuns()
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "case", "add", "--title", "the home exists")).Exit);
        var gone = Path.Combine(folder.Path, "gone");
        Directory.CreateDirectory(gone);
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = gone };
        foreach (var arg in new[] { "-c", "rmdir \"$PWD\" && exec dotnet \"$@\"", "sh", Cli, "--home", Home, "case", "add", "--title", "from nowhere" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.True(Guid.TryParse((await stdout).Trim(), out _), await stdout);
        Assert.Equal("", await stderr); // nor does starting a resident afterwards complain about the folder
    }

    /// <summary>
    /// The command line as people run it: the first command starts a resident in the background and still returns at once
    /// with its output (the resident holds none of its pipes); EVIDENCE_RESIDENT=off starts none.
    /// </summary>
    [SqliteFact]
    public async Task CommandLine_StartsAResidentDetached_UnlessSwitchedOff()
    {
        var off = await ProcessAsync([("EVIDENCE_RESIDENT", "off")], "--home", Home, "case", "add", "--title", "first");
        Assert.Equal(0, off.Exit);
        Assert.False(Directory.Exists(Resident.Folder));

        // On, whatever the environment the tests run in says: the resident and its callers then share the switch's value too.
        var started = await ProcessAsync([("EVIDENCE_RESIDENT", "on")], "--home", Home, "case", "add", "--title", "second");
        Assert.Equal(0, started.Exit);
        Assert.True(Guid.TryParse(started.Out.Trim(), out _), started.Out);
        Assert.True(await SocketAppearsAsync(), "no resident started");

        var served = await ProcessAsync([("EVIDENCE_RESIDENT", "on")], "--home", Home, "case", "add", "--title", "third");
        Assert.Equal(0, served.Exit);
        Assert.True(Guid.TryParse(served.Out.Trim(), out _), served.Out);
        Assert.Equal("", served.Err);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var resident in residents)
        {
            if (!resident.HasExited)
            {
                resident.Kill();
                await resident.WaitForExitAsync();
            }
            resident.Dispose();
        }
        // A resident started by the command line (not in the list) stops within seconds of its home's removal.
        folder.Dispose();
    }

    private async Task<Process> StartResidentAsync(params (string Name, string Value)[] environment)
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "case", "add", "--title", "the home exists")).Exit);
        var resident = StartProcess(Cli, environment, "resident", "--home", Home);
        residents.Add(resident);
        Assert.True(await SocketAppearsAsync(), "the resident did not listen");
        return resident;
    }

    private async Task<bool> SocketAppearsAsync()
    {
        for (var waited = 0; waited < 30_000; waited += 50)
        {
            if (File.Exists(Resident.SocketPath))
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    private Task<(int? Exit, string Out, string Err)> ThroughResidentAsync(params string[] args) =>
        ThroughResidentFromAsync(folder.Path, CancellationToken.None, args);

    private async Task<(int? Exit, string Out, string Err)> ThroughResidentFromAsync(string workingFolder, CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await ResidentClient.TryRunAsync(Resident, ["--home", Home, .. args], workingFolder, interactive: false, stdout, stderr, cancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static Process StartProcess(string cli, params string[] args) => StartProcess(cli, [], args);

    private static Process StartProcess(string cli, (string Name, string Value)[] environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return Process.Start(start)!;
    }

    private static async Task<(int Exit, string Out, string Err)> ProcessAsync((string Name, string Value)[] environment, params string[] args)
    {
        using var process = StartProcess(Cli, environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token); // a resident holding the pipes would keep ReadToEnd waiting past this
        return (process.ExitCode, await stdout.WaitAsync(timeout.Token), await stderr.WaitAsync(timeout.Token));
    }
}
