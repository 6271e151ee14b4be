using System.Net;
using System.Net.Sockets;
using System.Text;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Pipeline;

/// <summary>
/// Found by the hostile review of issue 19: once a batch is committed, nothing that happens while its checkpoint is stamped may
/// answer its requests as failed or remove what they published. Here another writer holds the database past the busy timeout
/// exactly while the time-stamping authority answers, so the token cannot be saved.
/// </summary>
public sealed class CommitThenStampTests : IAsyncLifetime
{
    private readonly TestHome home = new();
    private TestTimestampAuthority tsa = null!;
    private Slice slice = null!;
    private readonly HttpListener proxy = new();
    private Uri proxyUrl = null!;
    private Task? holding;
    private volatile bool armed = true;

    public async Task InitializeAsync()
    {
        tsa = new TestTimestampAuthority(home.Path);
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        proxyUrl = new Uri($"http://127.0.0.1:{port}/tsa/");
        proxy.Prefixes.Add(proxyUrl.ToString());
        proxy.Start();
        slice = await Slice.StartAsync(s => s with
        {
            TimestampAuthorityUrl = proxyUrl, TimestampAuthorityCertificate = tsa.CaCertificatePath, DatabaseBusyTimeout = TimeSpan.FromSeconds(1),
        });
        _ = Task.Run(ServeAsync);
    }

    // A TSA (or anything else: a second app server, `evidence verify`, an insider's sqlite3) that takes the SQLite write lock
    // while the checkpoint is being stamped, after COMMIT, and keeps it a little longer than the busy timeout.
    private async Task ServeAsync()
    {
        while (proxy.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await proxy.GetContextAsync();
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (!armed)
            {
                await Forward(context, body.ToArray());
                continue;
            }
            var other = new SqliteConnection($"Data Source={slice.Settings.DatabasePath};Pooling=False");
            await other.OpenAsync();
            var hold = other.BeginTransaction(deferred: false);
            holding = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                hold.Rollback();
                other.Dispose();
            });
            await Forward(context, body.ToArray());
        }
    }

    private async Task Forward(HttpListenerContext context, byte[] request)
    {
        {
            using var http = new HttpClient();
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/timestamp-query");
            var answer = await (await http.PostAsync(tsa.Url, content)).Content.ReadAsByteArrayAsync();
            context.Response.ContentType = "application/timestamp-reply";
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
    }

    public async Task DisposeAsync()
    {
        if (holding is not null)
        {
            await holding;
        }
        proxy.Stop();
        await slice.DisposeAsync();
        tsa.Dispose();
        home.Dispose();
    }

    [SqliteFact]
    public async Task StampCannotBeSavedAfterCommit_RequestIsAnsweredAsRecorded()
    {
        Exception? failure = null;
        try
        {
            await slice.SendAsync(new IngestEvidence(slice.File("testimony.txt", Encoding.UTF8.GetBytes("a child's testimony")), "A"));
        }
        catch (Exception e)
        {
            failure = e;
        }
        if (holding is not null)
        {
            await holding;
        }
        var items = await slice.CountEvidenceAsync();
        var events = await slice.CountCustodyEventsAsync();
        // What the caller was told, and what the database holds:
        Assert.True(failure is null, $"answered as FAILED ({failure?.GetType().Name}: {failure?.Message}) although {items} item(s) and {events} event(s) were committed");
        Assert.Equal(1, items);
        // The stamp that could not be saved is had later.
        Assert.Equal(1, await slice.QueryAsync(db => db.Checkpoints.CountAsync(c => c.TimestampToken == null)));
    }

    [SqliteFact]
    public async Task StampCannotBeSavedAfterCommit_PackageFileIsKept()
    {
        armed = false;
        var @case = await ReferralCase.CreateAsync(slice);
        armed = true;
        var path = Path.Combine(home.Path, "p.zip");
        Exception? failure = null;
        try
        {
            await slice.SendAsync(new Evidence.Referrals.BuildReferralPackage(@case.Incident, Evidence.Domain.RecipientKind.Icc, path), Role.Prosecutor);
        }
        catch (Exception e)
        {
            failure = e;
        }
        if (holding is not null)
        {
            await holding;
        }
        var built = await slice.QueryAsync(db => db.CustodyEvents.CountAsync(e => e.Action == "PackageBuilt"));
        armed = false;
        var report = await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");
        Assert.Null(failure);
        Assert.Equal(1, built);
        Assert.True(report.Clean, string.Join(" | ", report.Findings.Select(f => f.ToString())));
        Assert.True(File.Exists(path),
            $"PackageBuilt events: {built}; package file exists: {File.Exists(path)}; caller told: {failure?.Message}; verify clean: {report.Clean} " +
            string.Join(" | ", report.Findings.Select(f => f.ToString())));
    }
}
