namespace Evidence.Cli;

/// <summary>Bad command-line usage: exit code 2 with the message and a pointer to help.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The parsed words of one invocation: positionals, options with values, and flags. Deliberately small:
/// every option a command takes is named up front, so a typo is an error rather than silently ignored.
/// A lone "--" ends the options, so that a file called "--json" can still be ingested.
/// </summary>
internal sealed class CommandLine
{
    private static readonly string[] GlobalValues = ["--home", "--as", "--role"];
    private static readonly string[] GlobalFlags = ["--json", "--help", "-h", "--verbose"];

    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public static CommandLine Parse(IReadOnlyList<string> args, IEnumerable<string> valueOptions, IEnumerable<string> flagOptions)
    {
        var takesValue = GlobalValues.Concat(valueOptions).ToHashSet(StringComparer.Ordinal);
        var isFlag = GlobalFlags.Concat(flagOptions).ToHashSet(StringComparer.Ordinal);
        var parsed = new CommandLine();
        var optionsEnded = false;
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            if (optionsEnded || !word.StartsWith('-') || word == "-")
            {
                parsed.Positionals.Add(word);
            }
            else if (word == "--")
            {
                optionsEnded = true;
            }
            else
            {
                var (name, inline) = word.Split('=', 2) is [var n, var v] ? (n, v) : (word, null);
                if (takesValue.Contains(name))
                {
                    var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value."));
                    if (!parsed.values.TryGetValue(name, out var list))
                    {
                        parsed.values[name] = list = [];
                    }
                    list.Add(value);
                }
                else if (isFlag.Contains(name) && inline is null)
                {
                    parsed.flags.Add(name);
                }
                else
                {
                    throw new UsageException($"Unknown option {word}.");
                }
            }
        }
        return parsed;
    }

    public bool Has(string flag) => flags.Contains(flag);

    public string? Value(string name) => values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> Values(string name) => values.TryGetValue(name, out var list) ? list : [];

    public string Required(string name) => Value(name) ?? throw new UsageException($"{name} is required.");
}
