namespace Evidence.Web.Http;

/// <summary>The stylesheet and scripts, served from the assembly (no inline code: the CSP forbids it).</summary>
internal static class Assets
{
    private static readonly Dictionary<string, string> Types = new()
    {
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    };

    public static void Map(WebApplication app) =>
        app.MapGet("/assets/{name}", (string name) =>
        {
            var stream = typeof(Assets).Assembly.GetManifestResourceStream("assets/" + name);
            return stream is null || !Types.TryGetValue(Path.GetExtension(name), out var type)
                ? Results.NotFound()
                : Results.Stream(stream, type);
        }).AllowAnonymous().ExcludeFromDescription();
}
