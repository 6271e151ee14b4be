using System.Diagnostics;
using System.Globalization;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

// Times one workload in-process (after start-up, which the scripts report separately) and prints figures on
// one line for bench/ingest.sh and bench/ledger.sh to turn into ratios.
//   ingest <file|folder> <home> [azure-connection-string]   "seconds items bytes peak_rss_bytes"
//   upload <file|folder> <azure-connection-string>          the bare Azure.Storage.Blobs baseline, same line
//   ledger-append <home> <events> <per-checkpoint>          see LedgerBench.cs
//   ledger-proofs <home> <samples>
//   verify <home>                                           "seconds blobs"
//   blobs-in-clear <home> | verify-clear <home>             verify as before encryption at rest (the baseline of its cost)
//   ledger-records <home> <items> | verify-ledger <home>    see LedgerBench.cs
//   package-setup                                            see PackageBench.cs
//   load | load-baseline                                    see LoadBench.cs
if (args.FirstOrDefault() == "provenance")
{
    // What intake adds for a file's own provenance: EXIF/XMP/QuickTime, and C2PA for JPEG and PNG, read from each file
    // as intake reads it from the staged copy. "seconds files"
    var reading = Stopwatch.StartNew();
    var read = 0;
    foreach (var file in EvidenceFiles.Expand([args[1]]).Files)
    {
        await using var stream = File.OpenRead(file);
        var head = new byte[64];
        var n = await stream.ReadAsync(head);
        var mediaType = MediaTypes.Detect(head.AsSpan(0, n));
        stream.Position = 0;
        Evidence.Provenance.ExifReader.Read(stream, mediaType);
        if (mediaType is "image/jpeg" or "image/png")
        {
            stream.Position = 0;
            Evidence.Provenance.C2paReader.Read(stream);
        }
        read++;
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reading.Elapsed.TotalSeconds:F3} {read}"));
    return 0;
}
if (args.FirstOrDefault()?.StartsWith("load", StringComparison.Ordinal) == true)
{
    return await Evidence.Bench.LoadBench.RunAsync(args);
}
if (args.FirstOrDefault()?.StartsWith("package-", StringComparison.Ordinal) == true)
{
    return await Evidence.Bench.PackageBench.RunAsync(args);
}
if (args.Length >= 2 && args[0].StartsWith("ledger-", StringComparison.Ordinal) || args.FirstOrDefault() is "verify" or "verify-clear" or "blobs-in-clear" or "verify-ledger")
{
    return await Evidence.Bench.LedgerBench.RunAsync(args);
}
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: ingest <path> <home> [azure] | upload <path> <azure> | ledger-append <home> <events> <per-checkpoint> | ledger-proofs <home> <samples> | verify <home>");
    return 2;
}
var files = EvidenceFiles.Expand([args[1]]).Files;
var bytes = files.Sum(f => new FileInfo(f).Length);
var watch = new Stopwatch();
if (args[0] == "ingest")
{
    var settings = new EvidenceSettings { Home = args[2], AzureBlobConnectionString = args.Length > 3 ? args[3] : null };
    await using var services = await EvidenceServices.StartAsync(settings);
    watch.Start();
    foreach (var file in files)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Investigator);
        await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new IngestEvidence(file, "bench"));
    }
    watch.Stop();
}
else
{
    var options = new BlobClientOptions();
    options.TransferValidation.Upload.ChecksumAlgorithm = StorageChecksumAlgorithm.MD5;
    var container = new BlobServiceClient(args[2], options).GetBlobContainerClient("baseline");
    await container.CreateIfNotExistsAsync();
    watch.Start();
    foreach (var file in files)
    {
        await container.GetBlobClient(Guid.NewGuid().ToString("N")).UploadAsync(file, new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions { MaximumTransferSize = 8 << 20, InitialTransferSize = 8 << 20, MaximumConcurrency = 1 },
        });
    }
    watch.Stop();
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{watch.Elapsed.TotalSeconds:0.000} {files.Count} {bytes} {Process.GetCurrentProcess().PeakWorkingSet64}"));
return 0;
