using System.Collections;

namespace Evidence.Cli.Resident;

/// <summary>
/// Which commands a home's resident process may run, where it listens, and what it must share with the command line that
/// asks it: the same build and the same environment. Everything here runs before any service starts, so it reads only
/// the arguments, the environment and a few file names.
/// </summary>
internal sealed record ResidentHome(string Home)
{
    /// <summary>EVIDENCE_RESIDENT=off (or 0, no, false): every command runs in its own process, and none is started.</summary>
    public const string Switch = "EVIDENCE_RESIDENT";

    // Not these: help answers at once anyway; serve and witness run for long; demo makes its own home; backup and restore may
    // read a passphrase from the terminal; verify-package reads no home; resident is the resident itself.
    private static readonly HashSet<string> Served = new(StringComparer.Ordinal)
    {
        "ingest", "show", "content", "amend", "derive", "case", "incident", "perpetrator", "victim", "tag", "untag", "search", "log",
        "verify", "encrypt-existing", "package", "handover", "user", "recipient",
    };

    // The shell's own bookkeeping, different in every shell and subshell: not settings of any command.
    private static readonly HashSet<string> NotSettings = new(StringComparer.Ordinal) { "PWD", "OLDPWD", "SHLVL", "_" };

    /// <summary>Owner-only (0700): the socket inside it is reachable only by the home's owner, whatever the home's own mode.</summary>
    public string Folder => System.IO.Path.Combine(Home, "resident");

    public string SocketPath => System.IO.Path.Combine(Folder, "cli.sock");

    public string LockPath => System.IO.Path.Combine(Folder, "lock");

    /// <summary>A home the command line has used before: keys made, so a resident has something to serve.</summary>
    public bool Exists => Directory.Exists(System.IO.Path.Combine(Home, "keys"));

    /// <summary>The home a resident could run these words for, or null when they must run in this process.</summary>
    public static ResidentHome? For(IReadOnlyList<string> args)
    {
        // Linux and its kin only: the resident is started with setsid and checks its callers with SO_PEERCRED.
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Switch)?.Trim().ToLowerInvariant() is "off" or "0" or "no" or "false")
        {
            return null;
        }
        if (CliApp.CommandWord(args) is not { } command || !Served.Contains(command))
        {
            return null;
        }
        string? home = null;
        for (var i = 0; i < args.Count && args[i] != "--"; i++)
        {
            if (args[i] == "--home" && i + 1 < args.Count)
            {
                home = args[++i];
            }
            else if (args[i].StartsWith("--home=", StringComparison.Ordinal))
            {
                home = args[i]["--home=".Length..];
            }
        }
        try
        {
            // As EvidenceSettings reads it; a resident only decides which process runs the words, which read --home again.
            var full = System.IO.Path.GetFullPath(home ?? Environment.GetEnvironmentVariable("EVIDENCE_HOME") ?? EvidenceSettings.DefaultHome);
            var resident = new ResidentHome(full);
            // A Unix socket's path has room for 107 bytes; a home deeper than that runs its commands in their own process.
            return System.Text.Encoding.UTF8.GetByteCount(resident.SocketPath) < 100 ? resident : null;
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// This build of the command line: where it is installed and when each of its assemblies was written. A rebuilt command
    /// line (the `./evidence` wrapper publishes again when a source changes) never runs in a resident of the old one.
    /// </summary>
    public static string Build()
    {
        var folder = AppContext.BaseDirectory;
        var parts = new List<string> { folder };
        foreach (var name in new[] { "Evidence.Cli.dll", "Evidence.dll", "Evidence.Web.dll" })
        {
            var file = new FileInfo(System.IO.Path.Combine(folder, name));
            parts.Add(file.Exists ? $"{name}:{file.Length}:{file.LastWriteTimeUtc.Ticks}" : $"{name}:-");
        }
        return string.Join('|', parts);
    }

    /// <summary>The environment, sorted, as KEY=VALUE: every setting, culture and time zone a command could read from it.</summary>
    public static List<string> Variables()
    {
        var variables = new List<string>();
        foreach (DictionaryEntry variable in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (!NotSettings.Contains(name))
            {
                variables.Add($"{name}={variable.Value}");
            }
        }
        variables.Sort(StringComparer.Ordinal);
        return variables;
    }
}
