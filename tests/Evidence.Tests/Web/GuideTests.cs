using Evidence.Tests.Fixtures;
using System.Text.RegularExpressions;

namespace Evidence.Tests.Web;

/// <summary>
/// The role guides (issue 18, item 10) in both languages: every picture a guide shows exists, each is a screenshot a
/// browser test saves (docs/images/update.sh copies them from the test output), and the Ukrainian guide shows the
/// Ukrainian twin of every picture the English one shows.
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

    private static List<string> Pictures(string guide) =>
        [.. Picture().Matches(File.ReadAllText(guide)).Select(m => m.Groups[1].Value)];


    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex Picture();
}
