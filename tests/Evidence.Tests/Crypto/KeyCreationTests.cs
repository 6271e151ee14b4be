using System.Collections.Concurrent;
using System.Text;
using Evidence.Crypto;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Crypto;

/// <summary>
/// Key files appear whole or not at all: many creators racing on a fresh home (as two servers starting at once do)
/// all end with the one key that was created first, and none reads a file that is still being written.
/// </summary>
public sealed class KeyCreationTests : IDisposable
{
    private const int Homes = 100;
    private const int Creators = 8;
    private readonly TestHome home = new();

    [Fact]
    public void LedgerKey_ManyCreatorsAtOnce_AllLoadTheSameKey()
    {
        var keys = RaceOnFreshHomes("ledger-ed25519.pem", folder => NoteSigner.LoadOrCreate(Path.Combine(folder, "ledger-ed25519.pem"), "test/ledger").Verifier.VerifierKey);

        Assert.All(keys, perHome => Assert.Single(perHome.Distinct()));
    }

    [Fact]
    public void IdentitiesKey_ManyCreatorsAtOnce_AllOpenWhatTheOthersSealed()
    {
        var sealedByEach = RaceOnFreshHomes("identities-aes256.key", folder =>
            Convert.ToBase64String(ProtectedFields.LoadOrCreate(Path.Combine(folder, "identities-aes256.key")).Seal("V-0001", "Name"u8)));

        for (var i = 0; i < Homes; i++)
        {
            var fields = ProtectedFields.LoadOrCreate(Path.Combine(home.Path, $"home{i}", "keys", "identities-aes256.key"));
            Assert.All(sealedByEach[i], s => Assert.Equal("Name", Encoding.UTF8.GetString(fields.Open("V-0001", Convert.FromBase64String(s)))));
        }
    }

    [Fact]
    public void OrganisationCertificate_ManyCreatorsAtOnce_AllLoadTheSameCertificateAndKey()
    {
        var signed = RaceOnFreshHomes("organisation.pem", homes: 20, folder =>
        {
            var signer = OrganisationSigner.LoadOrCreate(new EvidenceSettings { Home = Path.GetDirectoryName(folder)! }, TimeProvider.System);
            var signature = signer.SignDetached("tag manifest"u8.ToArray());
            Assert.Null(OrganisationSigner.VerifyDetached(signature, "tag manifest"u8.ToArray(), out var certificate));
            return certificate!.SerialNumber.ToString(16);
        });

        Assert.All(signed, perHome => Assert.Single(perHome.Distinct()));
    }

    /// <summary>
    /// Runs <paramref name="load"/> on <see cref="Creators"/> threads released at once, on each of <paramref name="homes"/> fresh homes' key
    /// folders, while one more thread reads <paramref name="file"/> as soon as it appears, as a second server would: it
    /// must never find it empty.
    /// </summary>
    private string[][] RaceOnFreshHomes(string file, Func<string, string> load) => RaceOnFreshHomes(file, Homes, load);

    private string[][] RaceOnFreshHomes(string file, int homes, Func<string, string> load)
    {
        var results = new string[homes][];
        var failures = new ConcurrentBag<Exception>();
        var emptyReads = 0;
        for (var h = 0; h < homes; h++)
        {
            var folder = Path.Combine(home.Path, $"home{h}", "keys");
            var perHome = new string[Creators];
            var created = 0;
            using var start = new Barrier(Creators + 1);
            var threads = Enumerable.Range(0, Creators).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    perHome[i] = load(folder);
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
                Interlocked.Increment(ref created);
            })).Append(new Thread(() =>
            {
                start.SignalAndWait();
                while (Volatile.Read(ref created) < Creators)
                {
                    try
                    {
                        if (File.ReadAllBytes(Path.Combine(folder, file)).Length == 0)
                        {
                            Interlocked.Increment(ref emptyReads);
                        }
                        return;
                    }
                    catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                    {
                        Thread.SpinWait(10);
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            results[h] = perHome;
        }
        Assert.Empty(failures);
        Assert.Equal(0, emptyReads);
        return results;
    }

    public void Dispose() => home.Dispose();
}
