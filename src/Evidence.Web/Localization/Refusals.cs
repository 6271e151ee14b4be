using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text;
using System.Text.RegularExpressions;

namespace Evidence.Web.Localization;

/// <summary>
/// What Evidence says when it refuses a request, in the reader's language. The core writes its refusals as plain English
/// sentences (the CLI prints them, the logs keep them), many with values in them: "There is no incident 3f2c…". The web
/// app translates each by its template, from Resources/Localization/Refusals.uk.resx, whose names are the English
/// templates with {0}, {1}... where the core puts a value ("There is no incident {0}.") and whose values are the
/// Ukrainian sentences with the same placeholders.
/// <para>
/// A message matches a template when it is the template with some text in place of each placeholder (the whole
/// message, nothing left over, letter case aside: "The period ends..." and the problem "the period ends..." are one
/// entry, and the translation begins with a capital where the message does); among several, the one with the most
/// fixed text wins. The values are carried over
/// unchanged, as the core wrote them: ids, file names, numbers and whatever a user typed, which the page or the JSON
/// encodes like any other text. Only where the Ukrainian template writes <c>{0:t}</c> is the value itself translated,
/// when it is a sentence of this table: the names of fields ("the title"), which the core passes to one check that
/// every field shares (<c>Fields.Required</c>). A message no template matches is shown as the core wrote it.
/// </para>
/// <para>The test <c>RefusalTranslationTests</c> reads the core's sources and fails when a refusal has no template here.</para>
/// </summary>
public static class Refusals
{
    private static readonly ResourceManager Resources = new("Evidence.Web.Resources.Localization.Refusals", typeof(Refusals).Assembly);

    /// <summary>"{0}" or "{0:t}" in a template; every other brace is a brace.</summary>
    private static readonly Regex Placeholder = new(@"\{(?<n>[0-9])(?<t>:t)?\}", RegexOptions.CultureInvariant);

    private static readonly Lazy<Table> Ukrainian = new(() => Table.Read(CultureInfo.GetCultureInfo(Languages.Ukrainian)));

    /// <summary><paramref name="message"/> in the current request's language (the page's).</summary>
    public static string Translate(string message) => Translate(message, Languages.Current);

    /// <summary><paramref name="message"/> in <paramref name="language"/>: unchanged in English, or when no template matches it.</summary>
    public static string Translate(string message, string language) =>
        language == Languages.Ukrainian ? Ukrainian.Value.Translate(message) ?? message : message;

    /// <summary>
    /// A refusal with its list of problems (InvalidRequestException.Message: the sentence, then "  - problem" lines),
    /// each translated on its own.
    /// </summary>
    public static string Translate(string sentence, IReadOnlyList<string> problems, string language) =>
        problems.Count == 0
            ? Translate(sentence, language)
            : Translate(sentence, language) + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + Translate(p, language)));

    /// <summary>The English templates that have a Ukrainian translation, for the test that checks none is missing.</summary>
    public static IReadOnlyCollection<string> TranslatedTemplates => Ukrainian.Value.Templates;

    private sealed class Table
    {
        private readonly Dictionary<string, string> exact = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<(Regex English, string Ukrainian, int Fixed)> templates = [];

        public IReadOnlyCollection<string> Templates { get; private set; } = [];

        public static Table Read(CultureInfo culture)
        {
            var table = new Table();
            var names = new List<string>();
            using var set = Resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
                ?? throw new InvalidOperationException("Resources/Localization/Refusals.uk.resx is missing from the build.");
            foreach (DictionaryEntry entry in set)
            {
                var english = (string)entry.Key;
                var translated = (string)entry.Value!;
                names.Add(english);
                if (Placeholder.IsMatch(english))
                {
                    table.templates.Add((Pattern(english), translated, Placeholder.Replace(english, "").Length));
                }
                else
                {
                    table.exact[english] = translated;
                }
            }
            // The most fixed text first: "The {0} {1} does not exist; nothing was recorded." before "{0} does not exist.".
            table.templates.Sort((a, b) => b.Fixed.CompareTo(a.Fixed));
            table.Templates = names;
            return table;
        }

        public string? Translate(string message)
        {
            if (exact.TryGetValue(message, out var sentence))
            {
                return InCaseOf(message, sentence);
            }
            foreach (var (english, ukrainian, _) in templates)
            {
                if (english.Match(message) is { Success: true } match)
                {
                    var translated = Placeholder.Replace(ukrainian, p =>
                    {
                        var value = match.Groups["v" + p.Groups["n"].Value].Value;
                        return p.Groups["t"].Success && exact.TryGetValue(value, out var name) ? name : value;
                    });
                    // A value carried over as written keeps its own case: only a translation's own first letter follows the message.
                    return Placeholder.Match(ukrainian) is { Success: true, Index: 0 } first && !first.Groups["t"].Success ? translated : InCaseOf(message, translated);
                }
            }
            return null;
        }

        /// <summary>A capital first letter where the message begins a sentence with one ("The period ends..." beside "the period ends...").</summary>
        private static string InCaseOf(string message, string translated) =>
            message.Length > 0 && char.IsUpper(message[0]) && translated.Length > 0 ? char.ToUpperInvariant(translated[0]) + translated[1..] : translated;

        /// <summary>
        /// The template as a pattern of the whole message: its text literally, each placeholder any text. Without
        /// backtracking, so that a hostile value of any length costs time in proportion to its length.
        /// </summary>
        private static Regex Pattern(string english)
        {
            var pattern = new StringBuilder(@"\A");
            var at = 0;
            foreach (Match placeholder in Placeholder.Matches(english))
            {
                pattern.Append(Regex.Escape(english[at..placeholder.Index]));
                pattern.Append("(?<v").Append(placeholder.Groups["n"].Value).Append(">.*)");
                at = placeholder.Index + placeholder.Length;
            }
            pattern.Append(Regex.Escape(english[at..])).Append(@"\z");
            return new Regex(pattern.ToString(), RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
    }
}
