using System.Text;
using Evidence.Ingest;
using Evidence.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Evidence.Web.Api;

/// <summary>
/// A multipart/form-data body read as it arrives (<see cref="MultipartReader"/>), instead of through
/// <c>ReadFormAsync</c>, which first copies every file to a temporary file on the server that received it. Each
/// <c>file</c> part goes straight into the blob store's staging area, hashed on the way (<see cref="StagedFile"/>): one
/// read, one write, and nothing of it on a server's own disk, so any app server can take any upload. The fields (which
/// may come after the files) and the small parts (a sheet, signatures, signer keys) are kept in memory, each bounded.
/// The same limits as the form reader's: the request body at most <see cref="EvidenceSettings.MaxUploadBytes"/> plus
/// 1 MiB (Kestrel's limit, answered 413), the boundary at most 70 characters, 16 KiB of headers per part, a field's
/// value at most 4 MiB, and at most <see cref="MaxFields"/> fields.
/// </summary>
internal sealed class StreamedForm : IAsyncDisposable
{
    /// <summary>The form reader's <c>ValueCountLimit</c> as configured in WebApp: a sheet check names each file in a field.</summary>
    public const int MaxFields = CheckMetadataSheet.MaxFiles + 100;

    private const int MaxBoundaryLength = 70;
    private const int MaxValueBytes = 4 << 20;

    private readonly IBlobStore blobs;
    private readonly List<(string FileName, StagedFile File)> files = [];

    private StreamedForm(IBlobStore blobs) => this.blobs = blobs;

    public FormCollection Fields { get; private set; } = FormCollection.Empty;

    /// <summary>The <c>file</c> parts, staged, in the order they came.</summary>
    public IReadOnlyList<(string FileName, StagedFile File)> Files => files;

    public List<SmallPart> Signatures { get; } = [];

    public List<SmallPart> SignerKeys { get; } = [];

    public SmallPart? Sheet { get; private set; }

    /// <summary>A part kept in memory up to its cap; <see cref="Bytes"/> is null when it was larger (<see cref="Size"/> says how large).</summary>
    public sealed record SmallPart(string FileName, long Size, byte[]? Bytes);

    /// <summary>Reads the body to its end. Bad multipart is an <see cref="Requests.InvalidRequestException"/>; whatever was staged is then discarded.</summary>
    public static async Task<StreamedForm> ReadAsync(HttpRequest http, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var form = new StreamedForm(blobs);
        try
        {
            await form.ReadBodyAsync(http, cancellationToken);
            return form;
        }
        catch
        {
            await form.DisposeAsync();
            throw;
        }
    }

    /// <summary>True for a multipart/form-data request; <see cref="ReadAsync"/> reads only those.</summary>
    public static bool IsMultipart(HttpRequest http) =>
        MediaTypeHeaderValue.TryParse(http.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    private async Task ReadBodyAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(http.ContentType).Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw new Requests.InvalidRequestException($"The multipart body needs a boundary of 1 to {MaxBoundaryLength} characters; nothing was recorded.");
        }
        // A 64 KiB buffer instead of the default 4 KiB: a file part is read in 1 MiB pieces, and each read scans for the boundary.
        var reader = new MultipartReader(boundary, http.Body, 64 * 1024);
        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var count = 0;
        var values = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (++count > MaxFields + CheckMetadataSheet.MaxFiles)
                {
                    throw new Requests.InvalidRequestException($"The form has more than {MaxFields + CheckMetadataSheet.MaxFiles} parts; nothing was recorded.");
                }
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFormDisposition()
                    && !disposition.IsFileDisposition())
                {
                    throw new Requests.InvalidRequestException("A part of the form has no 'Content-Disposition: form-data; name=...'; nothing was recorded.");
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                    await ReadFileAsync(name, fileName, section.Body, cancellationToken);
                    continue;
                }
                if (++values > MaxFields)
                {
                    throw new Requests.InvalidRequestException($"The form has more than {MaxFields} fields; nothing was recorded.");
                }
                var value = await ReadTextAsync(name, section.Body, cancellationToken);
                fields[name] = StringValues.Concat(fields.GetValueOrDefault(name), value);
            }
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && e is not BadHttpRequestException))
        {
            // MultipartReader's own refusals: a part's headers over 16 KiB, a body that ends before its last boundary. (Kestrel's
            // BadHttpRequestException, a body over the size limit, keeps its own answer: 413.)
            throw new Requests.InvalidRequestException($"The multipart body could not be read ({e.Message}); nothing was recorded.");
        }
        Fields = new FormCollection(fields);
    }

    private async Task ReadFileAsync(string name, string fileName, Stream body, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "file":
                files.Add((fileName, await StagedFile.WriteAsync(blobs, body, cancellationToken)));
                break;
            case "signature":
                Signatures.Add(await ReadSmallAsync(fileName, body, Provenance.OpenPgpVerifier.MaxSidecarBytes, cancellationToken));
                break;
            case "signerKey":
                SignerKeys.Add(await ReadSmallAsync(fileName, body, Provenance.OpenPgpKeys.MaxKeyFileBytes, cancellationToken));
                break;
            case "sheet":
                // One byte over the cap is kept, so that the sheet's own reader says it is too large.
                Sheet = await ReadSmallAsync(fileName, body, MetadataSheet.MaxUploadedSheetBytes + 1, cancellationToken);
                break;
            default:
                // A part the endpoint does not take, read past as the form reader would have stored and ignored it.
                await body.CopyToAsync(Stream.Null, cancellationToken);
                break;
        }
    }

    /// <summary>The part's bytes when it has at most <paramref name="cap"/> of them; otherwise only its size (the rest is read past).</summary>
    private static async Task<SmallPart> ReadSmallAsync(string fileName, Stream body, long cap, CancellationToken cancellationToken)
    {
        using var kept = new MemoryStream();
        var buffer = new byte[1 << 16];
        long size = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (size + read <= cap)
            {
                kept.Write(buffer, 0, read);
            }
            size += read;
        }
        return new SmallPart(fileName, size, size <= cap ? kept.ToArray() : null);
    }

    private static async Task<string> ReadTextAsync(string name, Stream body, CancellationToken cancellationToken)
    {
        var part = await ReadSmallAsync(name, body, MaxValueBytes, cancellationToken);
        if (part.Bytes is null)
        {
            throw new Requests.InvalidRequestException($"The field '{Text.Display.Text(name)}' is longer than {MaxValueBytes >> 20} MiB; nothing was recorded.");
        }
        return Encoding.UTF8.GetString(part.Bytes);
    }

    /// <summary>Discards every staged file; those a unit of work promoted are gone from staging already, and stay.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, file) in files)
        {
            try
            {
                await blobs.DiscardAsync(file.Blob, CancellationToken.None);
            }
            catch (Requests.UnavailableException)
            {
                // The store is down; the staging sweep removes it later (Storage, PrepareAsync).
            }
        }
    }
}
