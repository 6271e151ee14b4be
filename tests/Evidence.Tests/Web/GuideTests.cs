using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// The role guides (issue 18, item 10) in both languages: every picture a guide shows exists, each is a screenshot a
/// browser test saves (docs/images/update.sh copies them from the test output), and the Ukrainian guide shows the
/// Ukrainian twin of every picture the English one shows; the pictures were taken from the pages as they are now (the hash
/// of the pages' sources docs/images/SOURCES records), no number is shared by two features' pictures, and docs/images
/// holds no picture that no guide shows.
/// </summary>
public sealed partial class GuideTests
{
    [Theory]
    [InlineData("investigator")]
    [InlineData("prosecutor")]
    [InlineData("auditor")]
    public void Guide_InBothLanguages_ShowsExistingScreenshotsOfItsOwnLanguage(string role)
    {
        var docs = Path.Combine(Repo.Root, "docs");
        var english = Pictures(Path.Combine(docs, $"guide-{role}.md"));
        var ukrainian = Pictures(Path.Combine(docs, $"guide-{role}.uk.md"));
        Assert.NotEmpty(english);
        Assert.All(english, p => Assert.StartsWith("images/en/en-", p, StringComparison.Ordinal));
        Assert.All(ukrainian, p => Assert.StartsWith("images/uk/uk-", p, StringComparison.Ordinal));
        Assert.Equal(english.Select(p => "images/uk/uk-" + p["images/en/en-".Length..]), ukrainian);
        var tests = string.Join("\n", Directory.EnumerateFiles(Path.Combine(Repo.Root, "tests", "Evidence.Tests", "Web"), "*.cs").Select(File.ReadAllText));
        foreach (var picture in english.Concat(ukrainian))
        {
            Assert.True(File.Exists(Path.Combine(docs, picture)), $"{picture} is shown by a guide but missing: run docs/images/update.sh after the browser tests");
            // The picture's own name (without its language) is one a browser test saves.
            var name = Path.GetFileNameWithoutExtension(picture)[3..];
            Assert.True(tests.Contains($"\"{name}\"", StringComparison.Ordinal) || tests.Contains($"-{name}\"", StringComparison.Ordinal),
                $"no browser test saves a screenshot named {name}");
        }
    }

    [Fact]
    public void Screenshots_AreTakenFromTheCurrentPages()
    {
        var recorded = File.ReadLines(Path.Combine(Repo.Root, "docs", "images", "SOURCES")).Where(l => !l.StartsWith('#')).Select(l => l.Trim()).Single(l => l.Length > 0);
        Assert.True(recorded == SourcesHash(), "The pages' sources (src/Evidence.Web/Pages, Resources, Assets) changed after the guides' screenshots were taken "
            + "(docs/images/SOURCES). Run the browser tests, then `bash docs/images/update.sh` (which runs them itself unless given --no-test), and commit docs/images.");
    }

    [Fact]
    public void Screenshots_NoNumberIsSharedByTwoFeatures_AndEachIsShownByAGuide()
    {
        var docs = Path.Combine(Repo.Root, "docs");
        var shown = Directory.EnumerateFiles(docs, "guide-*.md").SelectMany(Pictures).ToHashSet(StringComparer.Ordinal);
        var kept = Directory.EnumerateFiles(Path.Combine(docs, "images"), "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(docs, f).Replace('\\', '/')).ToList();
        Assert.All(kept, picture => Assert.True(shown.Contains(picture), $"docs/{picture} is shown by no guide: bash docs/images/update.sh removes it"));
        // "en-17-upload-paused" and "en-17-upload-results" are one feature's; "en-12-preview" and "en-12-two-factor-..." would not be.
        var features = kept.Select(p => Path.GetFileNameWithoutExtension(p).Split('-')).GroupBy(parts => parts[1], parts => parts[2]);
        Assert.All(features, number => Assert.True(number.Distinct().Count() == 1, $"screenshot number {number.Key} is used by {string.Join(" and ", number.Distinct())}"));
    }

    /// <summary>
    /// As docs/images/update.sh computes it: per file (sorted by path, ordinal) a line "sha256-of-content path", the content's
    /// CRLF read as LF so that a checkout's line endings do not matter; then the sha256 of those lines.
    /// </summary>
    private static string SourcesHash()
    {
        var web = Path.Combine(Repo.Root, "src", "Evidence.Web");
        var lines = new StringBuilder();
        foreach (var path in new[] { "Pages", "Resources", "Assets" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(web, folder), "*", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            var content = File.ReadAllBytes(Path.Combine(Repo.Root, path));
            var lf = new List<byte>(content.Length);
            for (var i = 0; i < content.Length; i++)
            {
                if (!(content[i] == '\r' && i + 1 < content.Length && content[i + 1] == '\n'))
                {
                    lf.Add(content[i]);
                }
            }
            lines.Append(Convert.ToHexStringLower(SHA256.HashData(lf.ToArray()))).Append(' ').Append(path).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines.ToString())));
    }

    private static List<string> Pictures(string guide) =>
        [.. Picture().Matches(File.ReadAllText(guide)).Select(m => m.Groups[1].Value)];


    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex Picture();
}
