using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Referrals;

/// <summary>
/// The certificate each office has registered to receive packages encrypted to it (docs/packages.md, "Encrypted to the
/// recipient"). Each certificate registered is kept as <c>keys/recipients/OFFICE/SHA256.pem</c>, named by its fingerprint,
/// and the office's latest <c>RecipientCertificateRegistered</c> event says which one is in force. The event, read from
/// its leaf and proven against the signed checkpoint, is what makes a certificate the office's: a file no event names is
/// never used, and a file whose bytes no longer have the fingerprint its event recorded refuses the package, so whoever
/// can write the key folder cannot have packages encrypted to a key of their own unseen.
/// </summary>
internal static class RecipientCertificates
{
    public const string RegisteredAction = "RecipientCertificateRegistered";

    public static string FileOf(EvidenceSettings settings, RecipientKind office, string fingerprint) =>
        Path.Combine(settings.KeyFolder, "recipients", Projections.Office(office), fingerprint + ".pem");

    /// <summary>The fingerprint the office's latest registration names, from the proven leaves; null when it has none.</summary>
    public static async Task<string?> RegisteredAsync(Ledger ledger, RecipientKind office, CheckpointRecord checkpoint, CancellationToken cancellationToken)
    {
        var registrations = await ledger.ProvenNamingAsync([RegisteredAction], (key, value) => key == "office" && value == Projections.Office(office),
            checkpoint, cancellationToken);
        return registrations.LastOrDefault() is { } latest
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(latest.Details)!.GetValueOrDefault("certificate")
            : null;
    }

    /// <summary>
    /// The office's certificate in force, checked again as when it was registered (it may have expired since); null when the
    /// office has registered none. Refuses, with nothing exported, a registered file that is missing or was changed.
    /// </summary>
    public static async Task<RecipientCertificate?> InForceAsync(Ledger ledger, EvidenceSettings settings, RecipientKind office, string officeName,
        CheckpointRecord checkpoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await RegisteredAsync(ledger, office, checkpoint, cancellationToken) is not { } fingerprint)
        {
            return null;
        }
        var path = FileOf(settings, office, fingerprint);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UnavailableException($"The certificate registered for {officeName} (SHA-256 {fingerprint}) is missing from the key folder; nothing was exported. " +
                                           $"An administrator registers it again: `evidence recipient certificate {Projections.Office(office)} CERT.pem`.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"The certificate registered for {officeName} cannot be read ({e.Message}); nothing was exported.");
        }
        // Named by its office in refusals, never by the server's paths: whoever requested the package reads them.
        var certificate = RecipientCertificate.Parse(bytes, $"registered for {officeName}", now);
        if (certificate.Fingerprint != fingerprint)
        {
            throw new UnavailableException($"The certificate file of {officeName} is not the one registered (SHA-256 {fingerprint}): its bytes were changed; " +
                                           "nothing was exported. An administrator registers the office's certificate again.");
        }
        return certificate;
    }
}
