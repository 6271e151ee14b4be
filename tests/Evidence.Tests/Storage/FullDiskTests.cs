using System.Security.Cryptography;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Storage;

/// <summary>
/// The blob folder and the package folder on a real, small file system (tmpfs) that runs out of space: the request
/// fails with an error that says so, nothing is recorded, nothing half-written stays, and what fits still works.
/// </summary>
public sealed class FullDiskTests
{
    [Fact]
    public async Task Ingest_BlobFolderFull_ClearErrorNothingRecordedNothingLeft_AndAFileThatFitsIsRecorded()
    {
        using var home = new TestHome();
        await using var disk = await SmallDisk.MountAsync(Path.Combine(home.Path, "home", "blobs"), "1m");
        var slice = await Slice.StartAsync(home: home);
        try
        {
            var video = slice.File("video.mp4", RandomNumberGenerator.GetBytes(4 << 20));

            var error = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new IngestEvidence(video, "Olena K.")));

            Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, await slice.CountEvidenceAsync());
            Assert.Equal(0, await slice.CountCustodyEventsAsync());
            Assert.Empty(await slice.ListBlobsAsync());
            Assert.Empty(slice.StagingFiles());
            var statement = await slice.SendAsync(new IngestEvidence(slice.File("statement.txt", "A statement that fits."u8.ToArray()), "Olena K."));
            Assert.Equal(1, await slice.CountEvidenceAsync());
            Assert.Equal([statement.Sha256], (await slice.ListBlobsAsync()).Select(b => b.Sha256));
        }
        finally
        {
            await slice.Services.DisposeAsync();
        }
    }

    [Fact]
    public async Task Package_PackageFolderFull_ClearErrorNoRecordNoExportNoPartialFile()
    {
        using var home = new TestHome();
        var folder = Path.Combine(home.Path, "home", "packages");
        await using var disk = await SmallDisk.MountAsync(folder, "256k");
        var slice = await Slice.StartAsync(home: home);
        try
        {
            var @case = await ReferralCase.CreateAsync(slice);
            disk.Fill();
            var events = await slice.CountCustodyEventsAsync();

            var error = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(
                new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(folder, "referral.zip")), Role.Prosecutor, "icc-prosecutor"));

            Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
            Assert.Equal(events, await slice.CountCustodyEventsAsync());
            Assert.Empty(await slice.QueryAsync(db => db.ReferralPackages.ToListAsync()));
            Assert.Equal(["filler"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            await slice.Services.DisposeAsync();
        }
    }

    /// <summary>A tmpfs of a fixed size mounted on a folder (the tests run as root on the CI machine, or use sudo).</summary>
    private sealed class SmallDisk : IAsyncDisposable
    {
        private readonly string path;

        private SmallDisk(string path) => this.path = path;

        public static async Task<SmallDisk> MountAsync(string path, string size)
        {
            Directory.CreateDirectory(path);
            var mounted = await AsRootAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", path);
            Assert.True(mounted.Exit == 0, $"Could not mount a {size} tmpfs on {path} to fill it up (the test needs root or sudo): {mounted.Err}");
            return new SmallDisk(path);
        }

        /// <summary>Writes a file until the file system refuses more.</summary>
        public void Fill()
        {
            using var filler = new FileStream(Path.Combine(path, "filler"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            var block = new byte[4096];
            try
            {
                while (true)
                {
                    filler.Write(block);
                }
            }
            catch (IOException)
            {
                // full
            }
        }

        public async ValueTask DisposeAsync() => await AsRootAsync("umount", "--lazy", path);

        private static Task<(int Exit, string Out, string Err)> AsRootAsync(string program, params string[] args) =>
            Environment.UserName == "root" ? Run.ProcessAsync(program, args) : Run.ProcessAsync("sudo", ["-n", program, .. args]);
    }
}
