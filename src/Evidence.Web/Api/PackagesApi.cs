using Evidence.Domain;
using Evidence.Referrals;
using MediatR;

namespace Evidence.Web.Api;

/// <summary>
/// Referral packages requested over the web are built into the server's package folder and downloaded from there;
/// a prosecutor sees and downloads only those addressed to their office.
/// </summary>
internal static class PackagesApi
{
    public static void Map(RouteGroupBuilder packages)
    {
        packages.MapGet("", (IMediator mediator, CancellationToken ct, Guid? incident = null) => mediator.Send(new ListReferralPackages(incident), ct));
        packages.MapPost("", async (PackageRequest request, IMediator mediator, EvidenceSettings settings, CancellationToken ct) =>
            TypedResults.Ok(await BuildAsync(request, mediator, settings, ct)));
        packages.MapGet("/{id:guid}/download", async (Guid id, IMediator mediator, HttpResponse response, CancellationToken ct) =>
        {
            var package = await mediator.Send(new OpenReferralPackage(id), ct);
            response.Headers["Repr-Digest"] = EvidenceItemsApi.ReprDigest(package.Sha256);
            // An encrypted package is S/MIME's enveloped data (RFC 8551 §3.2.2), opened with the recipient's own key.
            return TypedResults.Stream(package.Content, package.Encrypted ? "application/pkcs7-mime; smime-type=enveloped-data" : "application/zip", package.FileName);
        });
    }

    public sealed record PackageRequest(
        Guid IncidentId,
        RecipientKind Recipient,
        Guid? PerpetratorId = null,
        IReadOnlyList<Guid>? EvidenceIds = null,
        bool IncludeIdentities = false,
        string? RecipientReference = null,
        bool RedactedOnly = false,
        string? Language = null);

    /// <summary>The package as the CLI's `package --json` prints it, without the server's file path.</summary>
    public sealed record PackageBuilt(Guid Id, string Sha256, int Items, long Bytes, string Download, PackageEncryption? Encrypted);

    /// <summary>
    /// Builds the package into the server's package folder, encrypted to the certificate the recipient office registered
    /// when it has one (nobody uploads a certificate here); one that carries identities is refused without it.
    /// </summary>
    public static async Task<PackageBuilt> BuildAsync(PackageRequest request, IMediator mediator, EvidenceSettings settings, CancellationToken ct)
    {
        Storage.OwnerOnly.CreateFolder(settings.PackageFolder);
        var path = Path.Combine(settings.PackageFolder, $"{Guid.NewGuid()}.zip");
        var built = await mediator.Send(new BuildReferralPackage(request.IncidentId, request.Recipient, path, request.PerpetratorId,
            request.EvidenceIds, request.IncludeIdentities, RecipientReference: request.RecipientReference, RedactedOnly: request.RedactedOnly,
            Language: request.Language, EncryptToOffice: true), ct);
        return new PackageBuilt(built.Id, built.Sha256, built.Items, built.Bytes, $"/api/packages/{built.Id}/download", built.Encrypted);
    }
}
