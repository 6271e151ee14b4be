using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Evidence.Bench;

/// <summary>
/// Issue 6's load: many clients on loopback each uploading files of one size, one after another, for a bounded time.
/// Prints "requests seconds requests_per_second p50_ms p99_ms errors answered", counted after a warm-up of LOAD_WARMUP seconds (10) in
/// which the same clients upload the same way: a server runs for hours, and the JIT compiling its request path in the first
/// seconds after start-up is not its throughput (nor the baseline's). "answered" counts every successful upload, the warm-up's
/// included: what the server must have recorded.
///   load URL[,URL…] TOKEN CLIENTS SECONDS BYTES    against running `evidence serve`s (POST /api/evidence, multipart);
///                                                  with several URLs the clients are dealt out among them in turn
///   load-baseline DIR CLIENTS SECONDS BYTES        against a bare Kestrel endpoint in this process that only hashes
///                                                  the same multipart file and writes it to DIR with fsync: what any
///                                                  upload server must do, without custody, database or signatures
/// </summary>
internal static class LoadBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        if (args[0] == "load" && args.Length == 6)
        {
            return await DriveAsync(args[1].Split(',').Select(u => new Uri(u)).ToArray(), args[2], int.Parse(args[3], inv), int.Parse(args[4], inv), int.Parse(args[5], inv));
        }
        if (args[0] == "load-baseline" && args.Length == 5)
        {
            await using var server = await StartBaselineAsync(args[1]);
            var address = server.Urls.First();
            return await DriveAsync([new Uri(address)], null, int.Parse(args[2], inv), int.Parse(args[3], inv), int.Parse(args[4], inv));
        }
        Console.Error.WriteLine("usage: load URL TOKEN CLIENTS SECONDS BYTES | load-baseline DIR CLIENTS SECONDS BYTES");
        return 2;
    }

    private static async Task<int> DriveAsync(Uri[] servers, string? token, int clients, int seconds, int bytes)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var path = token is null ? "upload" : "api/evidence";
        var latencies = new List<double>[clients];
        var errors = 0;
        var answered = 0;
        var firstErrors = new List<string>();
        var warmUp = TimeSpan.FromSeconds(int.Parse(Environment.GetEnvironmentVariable("LOAD_WARMUP") ?? "10", CultureInfo.InvariantCulture));
        var watch = Stopwatch.StartNew();
        var until = warmUp + TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            latencies[client] = [];
            var content = RandomNumberGenerator.GetBytes(bytes);
            for (var n = 0; watch.Elapsed < until; n++)
            {
                // Every file differs, so none is recorded as a duplicate of another.
                BitConverter.TryWriteBytes(content.AsSpan(0, 4), client);
                BitConverter.TryWriteBytes(content.AsSpan(4, 4), n);
                using var form = new MultipartFormDataContent
                {
                    { new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "file", $"load-{client}-{n}.bin" },
                    { new StringContent("load bench"), "collector" },
                };
                var started = watch.Elapsed;
                var counted = started >= warmUp;
                try
                {
                    using var response = await http.PostAsync(new Uri(servers[client % servers.Length], path), form);
                    if (!response.IsSuccessStatusCode)
                    {
                        Failed($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        continue;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Failed(e.Message);
                    continue;
                }
                Interlocked.Increment(ref answered);
                if (counted)
                {
                    latencies[client].Add((watch.Elapsed - started).TotalMilliseconds);
                }
            }
        })));
        watch.Stop();

        void Failed(string why)
        {
            // An error in the warm-up counts too: a failed upload is a failed upload.
            Interlocked.Increment(ref errors);
            lock (firstErrors)
            {
                if (firstErrors.Count < 5)
                {
                    firstErrors.Add(why);
                }
            }
        }

        var measured = watch.Elapsed - warmUp;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        foreach (var error in firstErrors)
        {
            Console.Error.WriteLine($"error: {error}");
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv,
            $"{all.Length} {measured.TotalSeconds:F2} {all.Length / measured.TotalSeconds:F1} {Percentile(all, 0.50):F0} {Percentile(all, 0.99):F0} {errors} {answered}"));
        return 0;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<WebApplication> StartBaselineAsync(string folder)
    {
        Directory.CreateDirectory(folder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/upload", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var file = form.Files.GetFile("file")!;
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            await using (var target = new FileStream(Path.Combine(folder, Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true))
            await using (var source = file.OpenReadStream())
            {
                int read;
                while ((read = await source.ReadAsync(buffer)) > 0)
                {
                    sha256.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read));
                }
                target.Flush(flushToDisk: true);
            }
            return Results.Ok(new { sha256 = Convert.ToHexStringLower(sha256.GetHashAndReset()) });
        });
        await app.StartAsync();
        return app;
    }
}
