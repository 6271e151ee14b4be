using Evidence.Accounts;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `user add|role|list|remove`: the installation's accounts, through the same core requests as the web app's admin page.
/// The local operator acts as Admin; each change is a custody event under the operator's name.
/// </summary>
internal static class UserCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--home", "--role", "--office", "--as"], ["--json", "--verbose"]);
        var verb = line.Positionals.ElementAtOrDefault(1) ?? throw new UsageException("user needs add, role, list or remove.");
        // --role here is the account's role, not the operator's: the operator managing accounts acts as Admin.
        var accountRole = line.Value("--role");
        await using var session = await Session.OpenActingAsAsync(app, line, Role.Admin, cancellationToken);
        switch (verb)
        {
            case "add":
            {
                var name = line.Positionals.ElementAtOrDefault(2) ?? throw new UsageException("user add needs a NAME.");
                var role = Arguments.Choice<Role>(accountRole ?? throw new UsageException("user add needs --role."), "--role");
                var account = await session.SendAsync(new AddUser(name, role, Office(line)), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(account);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Created {account.Name} ({account.Role}{(account.Office is { } o ? ", office " + o : "")}).");
                    await app.Out.WriteLineAsync($"One-time password (to be changed at first sign-in): {account.Password}");
                    await app.Out.WriteLineAsync($"API token (shown only now): {account.Token}");
                }
                return CliApp.Ok;
            }
            case "role":
            {
                var name = line.Positionals.ElementAtOrDefault(2) ?? throw new UsageException("user role needs a NAME.");
                var role = Arguments.Choice<Role>(accountRole ?? throw new UsageException("user role needs --role."), "--role");
                await session.SendAsync(new ChangeUserRole(name, role, Office(line)), cancellationToken);
                await app.Out.WriteLineAsync($"{name} is now {role}{(Office(line) is { } office ? ", office " + office.ToString().ToLowerInvariant() : "")}.");
                return CliApp.Ok;
            }
            case "list":
            {
                var all = await session.SendAsync(new ListUsers(), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(all);
                }
                else
                {
                    foreach (var user in all)
                    {
                        await app.Out.WriteLineAsync($"{user.Name,-24} {user.Role,-12} {user.Office?.ToString().ToLowerInvariant() ?? "-",-9} {(user.LockedOut ? "locked" : "")}");
                    }
                }
                return CliApp.Ok;
            }
            case "remove":
                await session.SendAsync(new RemoveUser(line.Positionals.ElementAtOrDefault(2) ?? throw new UsageException("user remove needs a NAME.")), cancellationToken);
                return CliApp.Ok;
            default:
                throw new UsageException($"Unknown user command '{verb}': use add, role, list or remove.");
        }
    }

    private static RecipientKind? Office(CommandLine line) =>
        line.Value("--office") is { } value ? Arguments.Choice<RecipientKind>(value, "--office") : null;
}
