using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Evidence.Cli.Resident;

/// <summary>
/// The command line's side of a home's resident process (<see cref="ResidentProcess"/>): hand the command to it when one is
/// listening, and start one in the background after a command ran in its own process.
/// </summary>
internal static class ResidentClient
{
    /// <summary>
    /// Runs the command in the home's resident process and returns its exit code, or null when there is none, or it declined:
    /// the caller then runs the command itself, and nothing was run for it here.
    /// </summary>
    /// <param name="workingFolder">Where relative paths in the words lead: the command line's own working folder.</param>
    public static async Task<int?> TryRunAsync(ResidentHome home, IReadOnlyList<string> args, string workingFolder, bool interactive, TextWriter stdout,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!File.Exists(home.SocketPath))
        {
            return null;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(home.SocketPath), cancellationToken);
            // The listener must be this user's own process: the command's words and environment (a database password, say)
            // go to nobody else, and no other process answers in Evidence's name.
            if (ResidentFrames.PeerUser(socket) != ResidentFrames.CurrentUser())
            {
                return null;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null; // a resident that stopped, or none yet; or Ctrl+C before a word was sent: this process runs it, cancelled
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = new ResidentRequest(ResidentHome.Build(), workingFolder, interactive, args, ResidentHome.Variables());
        // Neither the request nor the answer is given up at Ctrl+C: once the request may have arrived, only the resident's
        // answer says whether it runs the command. Ctrl+C sends a cancel frame instead, which the resident reads as soon as it
        // took the command; had it declined, this process runs the command with the cancelled token, and records nothing.
        try
        {
            await ResidentFrames.WriteAsync(stream, ResidentFrames.Request, request.ToBytes());
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null; // gone before it had the whole request: nothing was run
        }
        await using var cancelling = cancellationToken.Register(() => SendCancel(stream));
        try
        {
            if (await ResidentFrames.ReadAsync(stream) is not (ResidentFrames.Accepted, _))
            {
                return null; // declined, or gone before it took the command: nothing was run
            }
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
        {
            return null;
        }
        // From here the command is the resident's: whatever happens, it is not run again here.
        try
        {
            while (await ResidentFrames.ReadAsync(stream, CancellationToken.None) is var (kind, payload))
            {
                switch (kind)
                {
                    case ResidentFrames.Out:
                        await stdout.WriteAsync(Encoding.UTF8.GetString(payload));
                        break;
                    case ResidentFrames.Error:
                        await stderr.WriteAsync(Encoding.UTF8.GetString(payload));
                        break;
                    case ResidentFrames.Exit:
                        await stdout.FlushAsync(CancellationToken.None);
                        return ResidentFrames.ExitCode(payload);
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
        {
            // Reported below, as an end without an exit code.
        }
        await stderr.WriteLineAsync("evidence: the resident process stopped before the command finished. What it was recording was recorded whole or " +
                                    "not at all (`evidence log` shows the latest events); run `evidence verify` if unsure.");
        return CliApp.BadInput;
    }

    /// <summary>
    /// Starts the home's resident process, detached: its own session, no terminal, and stdin, stdout and stderr on /dev/null,
    /// so that whoever reads this command's output (`$(evidence case add ...)`) does not wait for it. A second one started by
    /// another command at the same time finds the home's lock taken and stops.
    /// </summary>
    public static void StartInBackground(ResidentHome home, TextWriter stderr, bool interactive)
    {
        if (!home.Exists || Running(home) || Environment.ProcessPath is not { } host)
        {
            return;
        }
        // Started in the home, not in the caller's folder: that may be gone (the shell would complain on this command's stderr),
        // and a resident kept there would keep it in use.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = home.Home };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid -f \"$@\" < /dev/null > /dev/null 2>&1");
        start.ArgumentList.Add("evidence-resident");
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(host);
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Evidence.Cli.dll"));
        }
        else
        {
            start.ArgumentList.Add(host);
        }
        start.ArgumentList.Add("resident");
        start.ArgumentList.Add("--home");
        start.ArgumentList.Add(home.Home);
        try
        {
            using var shell = Process.Start(start);
            shell?.WaitForExit(); // setsid -f returns once the resident is forked off
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return; // no shell or no setsid: commands run in their own process, as before
        }
        if (interactive)
        {
            stderr.WriteLine($"evidence: a resident process now serves this home's commands and stops after {ResidentProcess.IdleTime.TotalMinutes:0} idle minutes " +
                             $"({ResidentHome.Switch}=off to run every command in its own process).");
        }
    }

    /// <summary>
    /// Whether a resident holds the home's lock. Not whether its socket file exists: a killed resident (SIGKILL, the OOM
    /// killer, a reboot) leaves that behind, and would keep every later one from starting. The lock goes with the process.
    /// </summary>
    private static bool Running(ResidentHome home)
    {
        try
        {
            using var probe = new FileStream(home.LockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // held (or not this account's to take, so no resident of ours could take it either)
        }
    }

    private static void SendCancel(NetworkStream stream)
    {
        try
        {
            stream.Write(ResidentFrames.Frame(ResidentFrames.Cancel, []));
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // Gone already: the resident cancels a command whose command line has gone.
        }
    }
}
