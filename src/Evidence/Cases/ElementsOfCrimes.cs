using System.Text.Json;
using Evidence.Requests;

namespace Evidence.Cases;

/// <summary>
/// The Rome Statute articles Evidence can qualify an incident under, each with its numbered elements
/// (ICC Elements of Crimes, paraphrased; shipped as an embedded resource with its source note).
/// </summary>
public sealed class ElementsOfCrimes
{
    public sealed record Article(string Key, string Title, IReadOnlyList<string> Elements);

    /// <summary>An element is written "ARTICLE:N", N counting from 1 as the Elements of Crimes number them.</summary>
    public sealed record ElementRef(string Article, int Number)
    {
        public override string ToString() => $"{Article}:{Number}";
    }

    private readonly Dictionary<string, Article> articles;

    private ElementsOfCrimes(string source, IEnumerable<Article> articles)
    {
        Source = source;
        this.articles = articles.ToDictionary(a => a.Key, StringComparer.Ordinal);
    }

    public static ElementsOfCrimes Catalogue { get; } = Load();

    public string Source { get; }
    public IEnumerable<Article> Articles => articles.Values;

    public Article? Find(string key) => articles.GetValueOrDefault(key.Trim());

    public Article Get(string key) => Find(key)
        ?? throw new InvalidRequestException($"Unknown article '{key}'. Known articles: {string.Join(", ", articles.Keys)}.");

    /// <summary>Parses and checks "ARTICLE:N"; the article must exist and have an element N.</summary>
    public ElementRef ParseElement(string text)
    {
        // JSON can carry a null inside a list even though the type says it cannot.
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon < 1 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            throw new InvalidRequestException($"'{text}' is not an element: write ARTICLE:N, for example 8(2)(a)(vii)-1:2.");
        }
        var article = Get(text![..colon]);
        if (number < 1 || number > article.Elements.Count)
        {
            throw new InvalidRequestException($"Article {article.Key} has elements 1 to {article.Elements.Count}, not {number}.");
        }
        return new ElementRef(article.Key, number);
    }

    private static ElementsOfCrimes Load()
    {
        using var stream = typeof(ElementsOfCrimes).Assembly.GetManifestResourceStream("elements-of-crimes.json")
            ?? throw new InvalidOperationException("The elements-of-crimes catalogue is missing from the assembly.");
        using var json = JsonDocument.Parse(stream);
        var root = json.RootElement;
        return new ElementsOfCrimes(root.GetProperty("source").GetString()!, root.GetProperty("articles").EnumerateArray().Select(a => new Article(
            a.GetProperty("article").GetString()!,
            a.GetProperty("title").GetString()!,
            a.GetProperty("elements").EnumerateArray().Select(e => e.GetString()!).ToList())));
    }
}
