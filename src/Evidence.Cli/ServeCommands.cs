using Evidence.Domain;
using Evidence.Requests;
using Evidence.Web.Accounts;
using Evidence.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Evidence.Cli;

/// <summary>`serve` runs the web app (ARCHITECTURE §6, §8); `user` manages its accounts.</summary>
internal static class ServeCommands
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static async Task<int> ServeAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--home", "--urls"], ["--verbose"]);
        var settings = app.Settings(line);
        var urls = line.Value("--urls") ?? DefaultUrls;
        await using var web = await WebApp.BuildAsync(settings, urls, logging => Logging(logging, line.Has("--verbose")), cancellationToken);
        if (await WebApp.EnsureFirstAdminAsync(web, cancellationToken) is { } admin)
        {
            await app.Out.WriteLineAsync($"First start: created user '{admin.Name}' (Admin). One-time password, shown only now: {admin.Password}");
            await app.Out.WriteLineAsync($"API token for '{admin.Name}', shown only now: {admin.Token}");
        }
        await app.Out.WriteLineAsync($"Evidence is serving {Text.Display.Path(settings.Home)} at {urls} (Ctrl-C stops it).");
        await app.Out.FlushAsync(cancellationToken);
        await web.StartAsync(cancellationToken);
        await web.WaitForShutdownAsync(cancellationToken);
        return CliApp.Ok;
    }

    public static async Task<int> UserAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--home", "--role", "--office"], ["--json"]);
        var verb = line.Positionals.ElementAtOrDefault(1) ?? throw new UsageException("user needs add, list or remove.");
        var settings = app.Settings(line);
        await using var web = await WebApp.BuildAsync(settings, DefaultUrls, logging => Logging(logging, verbose: false), cancellationToken);
        await using var scope = web.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        switch (verb)
        {
            case "add":
                var name = line.Positionals.ElementAtOrDefault(2) ?? throw new UsageException("user add needs a NAME.");
                var role = Arguments.Choice<Role>(line.Required("--role"), "--role");
                var office = line.Value("--office") is { } value ? Arguments.Choice<RecipientKind>(value, "--office") : (RecipientKind?)null;
                var account = await accounts.AddAsync(name, role, office, cancellationToken);
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
            case "list":
                var all = await accounts.ListAsync(cancellationToken);
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
            case "remove":
                await accounts.DeleteAsync(line.Positionals.ElementAtOrDefault(2) ?? throw new UsageException("user remove needs a NAME."), cancellationToken);
                return CliApp.Ok;
            default:
                throw new UsageException($"Unknown user command '{verb}': use add, list or remove.");
        }
    }

    private static void Logging(ILoggingBuilder logging, bool verbose) => logging
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
        .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning)
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
}
