using System.Diagnostics;
using System.Net;
using System.Text;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// `evidence serve` as a real process of its own (the command line built beside the tests), configured only through
/// the environment as an operator would: EVIDENCE_DB, EVIDENCE_AZURE_BLOB, EVIDENCE_AZURE_CONTAINER. It can be killed
/// (SIGKILL) to see what a crash leaves behind.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServeProcess(Process process, Uri url)
    {
        this.process = process;
        Url = url;
    }

    public Uri Url { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public HttpClient Client(string token) => new()
    {
        BaseAddress = Url,
        Timeout = TimeSpan.FromSeconds(100),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token) },
    };

    public static async Task<ServeProcess> StartAsync(string home, IReadOnlyDictionary<string, string> environment)
    {
        var url = new Uri($"http://127.0.0.1:{AzuriteServer.FreePort()}");
        var start = Command(home, environment, "serve", "--urls", url.ToString().TrimEnd('/'));
        var process = Process.Start(start)!;
        var served = new ServeProcess(process, url);
        process.OutputDataReceived += (_, e) => served.Append(e.Data);
        process.ErrorDataReceived += (_, e) => served.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"evidence serve exited at start with code {process.ExitCode}: {served.Output}");
            }
            try
            {
                using var response = await probe.GetAsync("/api/log/key");
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    return served;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        await served.DisposeAsync();
        throw new TimeoutException($"evidence serve did not answer at {url} within 60 s: {served.Output}");
    }

    /// <summary>The environment of a server on this PostgreSQL database and this Azurite.</summary>
    public static Dictionary<string, string> EnvironmentFor(string database, AzuriteServer azurite) => new()
    {
        ["EVIDENCE_DB"] = database,
        ["EVIDENCE_AZURE_BLOB"] = azurite.ConnectionString,
    };

    /// <summary>The command line as a process, with the same environment: for `user add`, `verify` and the like.</summary>
    public static async Task<(int Exit, string Out, string Err)> CliAsync(string home, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(Command(home, environment, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Adds a web user through `evidence user add` and returns their API token.</summary>
    public static async Task<string> AddUserAsync(string home, IReadOnlyDictionary<string, string> environment, string name, string role, string? office = null)
    {
        var added = await CliAsync(home, environment, ["user", "add", name, "--role", role, "--json", .. office is null ? Array.Empty<string>() : ["--office", office]]);
        Assert.True(added.Exit == 0, added.Err);
        return System.Text.Json.JsonDocument.Parse(added.Out).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Kills the server at once, as a power cut or the OOM killer would: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static ProcessStartInfo Command(string home, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Evidence.Cli.dll"));
        start.ArgumentList.Add("--home");
        start.ArgumentList.Add(home);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return start;
    }
}
