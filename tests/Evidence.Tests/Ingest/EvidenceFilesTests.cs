using Evidence.Ingest;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

public sealed class EvidenceFilesTests : IDisposable
{
    private readonly TestHome home = new();

    [Fact]
    public void Expand_Folder_WalksRecursivelyInAStableOrder()
    {
        home.File("upload/b.jpg", [1]);
        home.File("upload/a/z.txt", [2]);
        home.File("upload/a/y.txt", [3]);

        var expansion = EvidenceFiles.Expand([Path.Combine(home.Path, "upload")]);

        Assert.Equal(["a/y.txt", "a/z.txt", "b.jpg"], expansion.Files.Select(f => Path.GetRelativePath(Path.Combine(home.Path, "upload"), f)));
        Assert.Empty(expansion.Skipped);
    }

    [Fact]
    public void Expand_SymbolicLinkOutOfTheFolder_IsNotFollowed()
    {
        var secret = home.File("outside/secret.txt", [1]);
        home.File("upload/inside.txt", [2]);
        File.CreateSymbolicLink(Path.Combine(home.Path, "upload", "escape.txt"), secret);
        Directory.CreateSymbolicLink(Path.Combine(home.Path, "upload", "escape-dir"), Path.Combine(home.Path, "outside"));
        Directory.CreateSymbolicLink(Path.Combine(home.Path, "upload", "up"), "..");

        var expansion = EvidenceFiles.Expand([Path.Combine(home.Path, "upload")]);

        Assert.Equal([Path.Combine(home.Path, "upload", "inside.txt")], expansion.Files);
        Assert.Equal(3, expansion.Skipped.Count);
        Assert.All(expansion.Skipped, s => Assert.Contains("outside the folder", s.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_SymbolicLinkInsideTheFolder_IsFollowedAndLoopsEnd()
    {
        var photo = home.File("upload/photos/p.jpg", [1]);
        File.CreateSymbolicLink(Path.Combine(home.Path, "upload", "latest.jpg"), photo);
        Directory.CreateSymbolicLink(Path.Combine(home.Path, "upload", "photos", "loop"), Path.Combine(home.Path, "upload"));

        var expansion = EvidenceFiles.Expand([Path.Combine(home.Path, "upload")]);

        Assert.Contains(Path.Combine(home.Path, "upload", "latest.jpg"), expansion.Files);
        Assert.Contains(photo, expansion.Files);
    }

    [Fact]
    public void Expand_BrokenLink_IsSkippedWithItsReason()
    {
        home.File("upload/ok.txt", [1]);
        File.CreateSymbolicLink(Path.Combine(home.Path, "upload", "gone.txt"), Path.Combine(home.Path, "nowhere"));

        var expansion = EvidenceFiles.Expand([Path.Combine(home.Path, "upload")]);

        Assert.Equal("broken symbolic link", Assert.Single(expansion.Skipped).Reason);
    }

    public void Dispose() => home.Dispose();
}
