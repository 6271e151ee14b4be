namespace Evidence.Web.Api;

/// <summary>
/// The JSON API of ARCHITECTURE §8, one group per file beside this one. Each endpoint binds its input, sends one request
/// and renders the result; every endpoint needs a signed-in caller (cookie or token), and the request decides what the
/// caller's role may do.
/// </summary>
internal static class ApiRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        EvidenceItemsApi.Map(api.MapGroup("/evidence").WithTags("Evidence"));
        UploadApi.Map(api.MapGroup("/uploads").WithTags("Resumable uploads"));
        CasesApi.Map(api);
        TimelineApi.Map(api);
        PackagesApi.Map(api.MapGroup("/packages").WithTags("Referral packages"));
        LedgerApi.Map(api);
        UsersApi.Map(api.MapGroup("/users").WithTags("Users"));
    }
}
