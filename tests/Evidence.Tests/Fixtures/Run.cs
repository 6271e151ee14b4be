using System.Diagnostics;
using Evidence.Cli;

namespace Evidence.Tests.Fixtures;

/// <summary>Runs the command line in-process (its own stdout and stderr), or any program as a real process.</summary>
public static class Run
{
    public static Task<(int Exit, string Out, string Err)> CliAsync(string home, params string[] args) =>
        CliWithEnvironmentAsync(home, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="CliAsync"/>, with EVIDENCE_* variables of this run only (the process environment is shared by parallel tests).</summary>
    public static async Task<(int Exit, string Out, string Err)> CliWithEnvironmentAsync(string home, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // On the PostgreSQL pass the home's records are in its own database, as EVIDENCE_DB would say.
        var database = await TestDatabase.ForHomeAsync(home);
        var cli = new CliApp(stdout, stderr, interactive: false, name =>
            name == "EVIDENCE_DB" && database is not null ? database
            : environment.TryGetValue(name, out var value) ? value
            : Environment.GetEnvironmentVariable(name));
        var exit = await cli.RunAsync(["--home", home, .. args], CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static async Task<(int Exit, string Out, string Err)> ProcessAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
