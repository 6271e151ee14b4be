using System.Globalization;

namespace Evidence.Cli;

/// <summary>How every command reads an option's value: an id, a whole number, one of a set of names. Mistakes are usage errors (exit 2).</summary>
internal static class Arguments
{
    public static Guid Id(string text, string what) =>
        Guid.TryParse(text, out var id) ? id : throw new UsageException($"{what} must be an id like 0199b1d2-...; '{Text.Display.Text(text)}' is not one.");

    public static int Int(string text, string option) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : throw new UsageException($"{option} takes a whole number, not '{Text.Display.Text(text)}'.");

    public static T Choice<T>(string text, string option) where T : struct, Enum =>
        !text.Any(char.IsAsciiDigit) && Enum.TryParse<T>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new UsageException($"{option} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, not '{Text.Display.Text(text)}'.");
}
