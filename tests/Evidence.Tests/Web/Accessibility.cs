using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using OpenQA.Selenium;

namespace Evidence.Tests.Web;

/// <summary>
/// Runs axe-core (the copy bundled with Deque.AxeCore.Commons) on the page the browser shows and fails on any serious or
/// critical violation (issue 18, item 7). The script is injected through WebDriver, which the site's Content-Security-Policy
/// (script-src 'self') does not govern; the page's own policy still applies to everything the page itself loads.
/// Each browser keeps the list of the paths it checked, so that a walk can show it reached every page of the app
/// (EveryPageAccessibilityTests).
/// </summary>
public static class Accessibility
{
    private static readonly Lazy<string> Axe = new(() => new BundledAxeScriptProvider().GetScript());

    // Per browser, so that tests running side by side in other browsers neither add to nor take from a walk's list.
    private static readonly ConditionalWeakTable<IWebDriver, List<string>> Checked = new();

    // Only the violations come back: passes and incomplete results are large and nothing here reads them.
    private const string Run = """
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
            .then(result => done(JSON.stringify({ version: result.testEngine.version, violations: result.violations })))
            .catch(error => done(JSON.stringify({ error: String(error) })));
        """;

    /// <summary>Fails listing each serious or critical violation on the current page: rule, impact, help and the elements' selectors.</summary>
    public static void AssertNoSeriousViolations(IWebDriver browser, string page)
    {
        var script = (IJavaScriptExecutor)browser;
        if (script.ExecuteScript("return typeof window.axe === 'object';") is not true)
        {
            script.ExecuteScript(Axe.Value);
        }
        var answer = JsonDocument.Parse(script.ExecuteAsyncScript(Run) as string ?? "{\"error\": \"no answer\"}").RootElement;
        Assert.False(answer.TryGetProperty("error", out var error), $"axe-core did not run on {page}: {error}");
        Assert.StartsWith("4.", answer.GetProperty("version").GetString(), StringComparison.Ordinal);

        var report = new StringBuilder();
        foreach (var violation in answer.GetProperty("violations").EnumerateArray())
        {
            var impact = violation.GetProperty("impact").GetString();
            if (impact is not ("serious" or "critical"))
            {
                continue;
            }
            report.Append(CultureInfo.InvariantCulture, $"\n  {violation.GetProperty("id").GetString()} ({impact}): {violation.GetProperty("help").GetString()}");
            foreach (var node in violation.GetProperty("nodes").EnumerateArray())
            {
                report.Append(CultureInfo.InvariantCulture, $"\n    {node.GetProperty("target")}");
            }
        }
        Assert.True(report.Length == 0, $"axe-core found serious or critical violations on {page} ({browser.Url}):{report}");
        var paths = Checked.GetOrCreateValue(browser);
        lock (paths)
        {
            paths.Add(new Uri(browser.Url).AbsolutePath);
        }
    }

    /// <summary>The paths (without query) of the pages this browser showed when axe-core found nothing serious on them, in order.</summary>
    public static IReadOnlyList<string> CheckedPaths(IWebDriver browser)
    {
        var paths = Checked.GetOrCreateValue(browser);
        lock (paths)
        {
            return [.. paths];
        }
    }
}
