using Evidence.Domain;
using Evidence.Requests;
using Evidence.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Evidence.Cli;

/// <summary>`serve` runs the web app (ARCHITECTURE §6, §8): the one command that needs the web project.</summary>
internal static class ServeCommands
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static async Task<int> ServeAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--home", "--urls"], ["--verbose"]);
        var settings = app.Settings(line);
        var urls = line.Value("--urls") ?? DefaultUrls;
        await using var web = await WebApp.BuildAsync(settings, urls, logging => Logging(logging, line.Has("--verbose")), cancellationToken);
        if (await WebApp.EnsureFirstAdminAsync(web, Environment.UserName, cancellationToken) is { } admin)
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

    private static void Logging(ILoggingBuilder logging, bool verbose) => logging
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
        .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning)
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
}
