using System.Text.Json;
using System.Text.Json.Serialization;

namespace Evidence.Requests;

/// <summary>
/// The one JSON contract of Evidence's answers: the API (<c>ConfigureHttpJsonOptions</c>) and the CLI's <c>--json</c>
/// serialize the same records with these settings, so that a script gets the same document from either.
/// </summary>
public static class EvidenceJson
{
    /// <summary>The contract's settings on web defaults (camelCase names, numbers as numbers), read-only.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>
    /// Applies the contract to options that already exist (the web app's). Only settings that change the document
    /// belong here; indentation and escaping change the bytes, not what a JSON parser reads.
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        // Enums by name only: "office":7 is refused with 400 naming the field, never stored as an office that does not exist.
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        // A body that leaves out a required field, or sends null for one, is refused with 400 naming it, instead of
        // reaching a handler as a null it never expects.
        options.RespectRequiredConstructorParameters = true;
        options.RespectNullableAnnotations = true;
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
