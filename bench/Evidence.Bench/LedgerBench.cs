using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Bench;

/// <summary>The ledger's workloads, each against a baseline timed in the same process.</summary>
internal static class LedgerBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var settings = new EvidenceSettings { Home = args[1] };
        await using var services = await EvidenceServices.StartAsync(settings);
        switch (args[0])
        {
            case "ledger-append":
                await AppendAsync(services, settings, long.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
                return 0;
            case "ledger-fill":
                await FillAsync(services, settings, long.Parse(args[2], CultureInfo.InvariantCulture));
                return 0;
            case "ledger-proofs":
                await ProofsAsync(services, int.Parse(args[2], CultureInfo.InvariantCulture));
                return 0;
            case "verify":
                await VerifyAsync(services);
                return 0;
            case "verify-clear":
                await VerifyAsync(services, blobsInClear: true);
                return 0;
            case "blobs-in-clear":
                await BlobsInClearAsync(settings);
                return 0;
            case "ledger-records":
                await RecordsAsync(services, int.Parse(args[2], CultureInfo.InvariantCulture));
                return 0;
            case "verify-ledger":
                await VerifyLedgerAsync(services);
                return 0;
            default:
                Console.Error.WriteLine($"unknown workload {args[0]}");
                return 2;
        }
    }

    /// <summary>
    /// Appends events through the unit of work (leaf JSON, leaf hash, perfect-subtree hashes, one signed checkpoint
    /// per batch, one durable transaction per batch). Baseline: the same leaf strings inserted into a bare SQLite
    /// table with the same durability (WAL, synchronous=FULL, one transaction per batch): the cost of just storing
    /// the events. Prints "ledger_seconds baseline_seconds events".
    /// </summary>
    private static async Task AppendAsync(ServiceProvider services, EvidenceSettings settings, long count, int perCheckpoint)
    {
        var watch = Stopwatch.StartNew();
        for (long done = 0; done < count; done += perCheckpoint)
        {
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Investigator);
            var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            for (var i = 0; i < perCheckpoint && done + i < count; i++)
            {
                unitOfWork.Record("Ingested", Guid.NewGuid(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), [new("source", "bench")]);
            }
            await unitOfWork.CommitAsync(CancellationToken.None);
        }
        var ledger = watch.Elapsed.TotalSeconds;

        var leaves = await QueryAsync(services, db => db.CustodyEvents.OrderByDescending(e => e.Sequence).Take(perCheckpoint).Select(e => e.Leaf).ToListAsync());
        var path = Path.Combine(settings.Home, "baseline.db");
        File.Delete(path);
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE events (sequence INTEGER PRIMARY KEY, leaf TEXT NOT NULL);";
            await pragma.ExecuteNonQueryAsync();
        }
        watch.Restart();
        for (long done = 0; done < count; done += perCheckpoint)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO events (sequence, leaf) VALUES ($sequence, $leaf)";
            var sequence = insert.Parameters.Add("$sequence", SqliteType.Integer);
            var leaf = insert.Parameters.Add("$leaf", SqliteType.Text);
            for (var i = 0; i < perCheckpoint && done + i < count; i++)
            {
                sequence.Value = done + i;
                leaf.Value = leaves[i % leaves.Count];
                await insert.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
        var baseline = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ledger:0.000} {baseline:0.000} {count}"));
    }

    /// <summary>
    /// A ledger of <paramref name="count"/> events written straight into its tables (events, every perfect-subtree hash,
    /// one signed checkpoint) in one transaction: what appending them would store, in seconds rather than minutes, for
    /// the proof benchmark. Prints "seconds events".
    /// </summary>
    private static async Task FillAsync(ServiceProvider services, EvidenceSettings settings, long count)
    {
        var watch = Stopwatch.StartNew();
        var signer = services.GetRequiredService<Crypto.LedgerKeys>().Current;
        await using var connection = new SqliteConnection($"Data Source={settings.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var insertEvent = connection.CreateCommand();
        insertEvent.CommandText = "INSERT INTO custody_events (Sequence, OccurredAtUtc, Actor, Role, Action, EvidenceId, Sha256, Details, Leaf, LeafHash) " +
                                  "VALUES ($sequence, $time, 'bench', 'Investigator', 'Viewed', NULL, NULL, '{}', $leaf, $hash)";
        var sequence = insertEvent.Parameters.Add("$sequence", SqliteType.Integer);
        var time = insertEvent.Parameters.Add("$time", SqliteType.Text);
        var leaf = insertEvent.Parameters.Add("$leaf", SqliteType.Text);
        var hash = insertEvent.Parameters.Add("$hash", SqliteType.Text);
        await using var insertNode = connection.CreateCommand();
        insertNode.CommandText = "INSERT INTO merkle_nodes (Level, \"Index\", Hash) VALUES ($level, $index, $hash)";
        var level = insertNode.Parameters.Add("$level", SqliteType.Integer);
        var index = insertNode.Parameters.Add("$index", SqliteType.Integer);
        var nodeHash = insertNode.Parameters.Add("$hash", SqliteType.Blob);
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var edge = new List<byte[]>(); // the rightmost perfect subtree of each level, waiting for its sibling
        for (long i = 0; i < count; i++)
        {
            var json = CustodyLeaf.Json(i, now, "bench", "Investigator", "Viewed", null, null, new Dictionary<string, string>());
            var h = MerkleTree.LeafHash(CustodyLeaf.Bytes(json));
            sequence.Value = i;
            time.Value = now;
            leaf.Value = json;
            hash.Value = Convert.ToHexStringLower(h);
            await insertEvent.ExecuteNonQueryAsync();
            for (var l = 0; ; l++)
            {
                level.Value = l;
                index.Value = i >> l;
                nodeHash.Value = h;
                await insertNode.ExecuteNonQueryAsync();
                if (((i + 1) & ((1L << (l + 1)) - 1)) != 0)
                {
                    if (edge.Count == l) edge.Add(h); else edge[l] = h;
                    break;
                }
                h = MerkleTree.NodeHash(edge[l], h);
            }
        }
        await transaction.CommitAsync();
        await using (var scope = services.CreateAsyncScope())
        {
            var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
            var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
            var root = ledger.Root(count);
            db.Checkpoints.Add(new Domain.CheckpointRecord
            {
                Size = count, RootHash = Convert.ToHexStringLower(root), Text = signer.Sign(new Checkpoint(signer.Name, count, root).Body), CreatedAtUtc = now,
            });
            await db.SaveChangesAsync();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{watch.Elapsed.TotalSeconds:0.000} {count}"));
    }

    /// <summary>
    /// Median time of an inclusion proof (random leaf, latest size) and of a consistency proof (random old size to
    /// the latest), each checked after timing. Baseline: one event row read by its index through the same DbContext.
    /// Prints "size inclusion_us consistency_us lookup_us open_us".
    /// </summary>
    private static async Task ProofsAsync(ServiceProvider services, int samples)
    {
        await using var scope = services.CreateAsyncScope();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        var size = await ledger.SizeAsync(CancellationToken.None);
        var root = ledger.Root(size);
        // Opening the file (connections are not pooled, Data/Sqlite.cs) is timed once, then proofs and baseline both run on a
        // warm connection, as a request reading several things would.
        var opening = Stopwatch.StartNew();
        await db.Database.OpenConnectionAsync();
        var open = opening.Elapsed.TotalMicroseconds;
        var random = new Random(6962);
        var inclusion = new List<double>();
        var consistency = new List<double>();
        var lookup = new List<double>();
        for (var s = 0; s < samples; s++)
        {
            var index = random.NextInt64(size);
            var watch = Stopwatch.StartNew();
            var leafHash = db.CustodyEvents.AsNoTracking().Where(e => e.Sequence == index).Select(e => e.LeafHash).Single();
            lookup.Add(watch.Elapsed.TotalMicroseconds);

            watch.Restart();
            var proof = ledger.InclusionProof(index, size);
            inclusion.Add(watch.Elapsed.TotalMicroseconds);
            if (!MerkleTree.VerifyInclusion(Convert.FromHexString(leafHash), index, size, proof, root))
            {
                throw new InvalidOperationException($"inclusion proof of {index} does not verify");
            }

            var from = 1 + random.NextInt64(size - 1);
            watch.Restart();
            var proof2 = ledger.ConsistencyProof(from, size);
            consistency.Add(watch.Elapsed.TotalMicroseconds);
            if (!MerkleTree.VerifyConsistency(from, size, ledger.Root(from), root, proof2))
            {
                throw new InvalidOperationException($"consistency proof {from} to {size} does not verify");
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{size} {Median(inclusion):0} {Median(consistency):0} {Median(lookup):0} {open:0}"));
    }

    /// <summary>The auditor's full verify (blobs re-hashed in parallel, events, tree, checkpoints). Prints "seconds blobs".</summary>
    /// <summary>
    /// Verify as it ran before encryption at rest, for the baseline of its cost: a home whose blobs were all put back in clear
    /// (<see cref="BlobsInClearAsync"/>) is verified, and its one expected finding per blob ("stored in clear") is allowed.
    /// </summary>
    private static async Task VerifyAsync(ServiceProvider services, bool blobsInClear = false)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Auditor);
        var watch = Stopwatch.StartNew();
        var report = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new VerifyCustody());
        watch.Stop();
        var problems = report.Findings.Where(f => !(blobsInClear && f.Kind == "blob" && f.Found.Contains("stored in clear", StringComparison.Ordinal))).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("verify found problems: " + string.Join("; ", problems));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{watch.Elapsed.TotalSeconds:0.000} {report.BlobsChecked}"));
    }

    /// <summary>Opens every blob of a folder home's store and writes its original bytes back in its place, as blobs were stored before encryption at rest.</summary>
    private static async Task BlobsInClearAsync(EvidenceSettings settings)
    {
        var kek = Evidence.Crypto.KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(settings.KeyFolder, "blobs-kek-aes256.key"));
        foreach (var path in Directory.EnumerateFiles(Path.Combine(settings.BlobFolder, "sha256"), "*", SearchOption.AllDirectories).ToList())
        {
            var clear = path + ".clear";
            await using (var stored = File.OpenRead(path))
            await using (var opened = (await Evidence.Crypto.BlobEnvelope.OpenAsync(stored, Path.GetFileName(path), kek, CancellationToken.None)).Content)
            await using (var output = File.Create(clear))
            {
                await opened.CopyToAsync(output);
            }
            File.Move(clear, path, overwrite: true);
        }
    }

    /// <summary>
    /// A ledger whose events all stand for rows, as an installation's do: <paramref name="items"/> evidence items (sharing
    /// 100 small blobs, ingested for real first) each with one tag, recorded 1,000 items to a commit through the unit of
    /// work with the details <see cref="Projections"/> gives, so that verify has a row to compare for every event.
    /// </summary>
    private static async Task RecordsAsync(ServiceProvider services, int items)
    {
        var blobs = new List<(string Sha256, long Size)>();
        var input = Directory.CreateTempSubdirectory("evidence-bench-");
        for (var b = 0; b < 100; b++)
        {
            var file = Path.Combine(input.FullName, $"{b}.txt");
            await File.WriteAllTextAsync(file, $"testimony {b}");
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Investigator);
            var ingested = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new Ingest.IngestEvidence(file, "bench"));
            blobs.Add((ingested.Sha256, ingested.Size));
        }
        input.Delete(recursive: true);
        var clock = TimeProvider.System;
        for (var done = 0; done < items; done += 1000)
        {
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Investigator);
            var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
            var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            for (var i = done; i < Math.Min(items, done + 1000); i++)
            {
                var now = clock.GetUtcNow();
                var (sha256, size) = blobs[i % blobs.Count];
                var item = new Domain.EvidenceItem
                {
                    Id = Guid.CreateVersion7(now), Sha256 = sha256, Size = size, MediaType = "text/plain", OriginalName = $"photo-{i}.jpg",
                    Collector = "Bench Collector", Source = $"Phone {i % 17}", CapturedAt = "2022-10-14", IngestedAtUtc = now.UtcDateTime, IngestedBy = "bench",
                };
                var tag = new Domain.EvidenceTag
                {
                    Id = Guid.CreateVersion7(now), EvidenceId = item.Id, VictimCode = null, Elements = [], Note = $"note {i}", TaggedAtUtc = now.UtcDateTime, TaggedBy = "bench",
                    PerpetratorId = null, IncidentId = null,
                };
                db.EvidenceItems.Add(item);
                db.EvidenceTags.Add(tag);
                unitOfWork.Record("Ingested", item.Id, item.Sha256, Projections.Items.Details("Ingested", item));
                unitOfWork.Record("Tagged", item.Id, item.Sha256, Projections.Tags.Details("Tagged", tag));
            }
            await unitOfWork.CommitAsync(CancellationToken.None);
        }
        var events = await QueryAsync(services, db => db.CustodyEvents.LongCountAsync());
        Console.WriteLine(events.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// verify without the blobs' bytes (their count is small here) against its own core: reading every event's leaf
    /// from the database, hashing it and building the tree's root, which any verification must do. Prints
    /// "verify_seconds tree_seconds events". The tables' comparison is what verify adds on top.
    /// </summary>
    private static async Task VerifyLedgerAsync(ServiceProvider services)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Auditor);
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new VerifyCustody()); // warm-up: JIT and the page cache for both
        }
        var watch = Stopwatch.StartNew();
        VerificationReport report;
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", Role.Auditor);
            report = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new VerifyCustody());
        }
        var verify = watch.Elapsed.TotalSeconds;
        if (!report.Clean)
        {
            throw new InvalidOperationException("verify found problems: " + string.Join("; ", report.Findings.Take(5)));
        }
        watch.Restart();
        var leafHashes = new List<byte[]>();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
            await foreach (var leaf in db.CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).Select(e => e.Leaf).AsAsyncEnumerable())
            {
                leafHashes.Add(MerkleTree.LeafHash(CustodyLeaf.Bytes(leaf)));
            }
        }
        var level = leafHashes;
        while (level.Count > 1)
        {
            var up = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
            {
                up.Add(i + 1 < level.Count ? MerkleTree.NodeHash(level[i], level[i + 1]) : level[i]);
            }
            level = up;
        }
        var tree = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verify:0.000} {tree:0.000} {report.EventsChecked}"));
    }

    private static async Task<T> QueryAsync<T>(ServiceProvider services, Func<EvidenceDbContext, Task<T>> query)
    {
        await using var scope = services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<EvidenceDbContext>());
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
