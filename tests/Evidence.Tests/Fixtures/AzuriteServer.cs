using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// A real Azurite blob service, the version pinned in azurite.json (installed by ./test.sh), on 127.0.0.1
/// with a free port and its own data folder. It can be stopped and started again on the same port and
/// data, to test what a request does when the store goes away.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private readonly TestHome data = new();
    private readonly JsonElement config;
    private Process? process;

    public AzuriteServer()
    {
        config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "azurite.json"))).RootElement;
        Port = FreePort();
    }

    public int Port { get; }

    /// <summary>Where this server keeps what its containers hold (block data, committed or not, and its database), for tests that search it.</summary>
    public string DataFolder => data.Path;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={config.GetProperty("accountName").GetString()};" +
        $"AccountKey={config.GetProperty("accountKey").GetString()};BlobEndpoint=http://127.0.0.1:{Port}/{config.GetProperty("accountName").GetString()};";

    public static async Task<AzuriteServer> StartNewAsync()
    {
        var server = new AzuriteServer();
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var executable = Environment.GetEnvironmentVariable("EVIDENCE_AZURITE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Repo.Root, ".tools", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed at {executable}; run ./test.sh, which installs the version pinned in azurite.json.");
        }
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", data.Path })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var flag in config.GetProperty("flags").EnumerateArray())
        {
            start.ArgumentList.Add(flag.GetString()!);
        }
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited at start with code {process.ExitCode}.");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"Azurite did not listen on port {Port} within 30 s.");
    }

    /// <summary>Kills the server at once, as a crash or a lost connection would.</summary>
    public void Stop()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process = null;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        data.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One Azurite shared by the tests of a collection; each test uses its own container.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await AzuriteServer.StartNewAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
