using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Evidence.Ingest;

/// <summary>
/// PdfPig's stream filters with a limit on what they may produce. A PDF of 1.5 MB can hold a FlateDecode stream that
/// inflates to gigabytes (measured: 4 GB of memory and 17 s for one such file before this limit); text extraction then
/// exhausts the server's memory. Each stream may decode to at most <see cref="MaxStreamBytes"/>, a document to at most
/// <see cref="MaxDocumentBytes"/>; past either, extraction stops and the item is ingested without searchable text.
/// </summary>
internal sealed class BoundedPdfFilters : IFilterProvider
{
    public const int MaxStreamBytes = 64 << 20;
    public const long MaxDocumentBytes = 512L << 20;

    // LZW and run-length expand by a bounded factor of their input (at most about 4096 and 128): capping what goes in caps what comes out.
    private const int MaxLzwInput = 16 << 10;
    private const int MaxRunLengthInput = MaxStreamBytes / 128;

    private readonly IFilterProvider inner = DefaultFilterProvider.Instance;
    private long decoded;

    public IReadOnlyList<IFilter> GetFilters(DictionaryToken dictionary) => inner.GetFilters(dictionary).Select(Bounded).ToList();

    public IReadOnlyList<IFilter> GetNamedFilters(IReadOnlyList<NameToken> names) => inner.GetNamedFilters(names).Select(Bounded).ToList();

    public IReadOnlyList<IFilter> GetAllFilters() => inner.GetAllFilters().Select(Bounded).ToList();

    private IFilter Bounded(IFilter filter) => filter switch
    {
        FlateFilter => new Limited(this, filter, input => Inflation.Length(input, MaxStreamBytes)),
        LzwFilter => new Limited(this, filter, input => input.Length > MaxLzwInput ? long.MaxValue : 0),
        RunLengthFilter => new Limited(this, filter, input => input.Length > MaxRunLengthInput ? long.MaxValue : 0),
        _ => new Limited(this, filter, _ => 0),
    };

    private sealed class Limited(BoundedPdfFilters owner, IFilter filter, Func<Memory<byte>, long> expectedLength) : IFilter
    {
        public bool IsSupported => filter.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            if (expectedLength(input) > MaxStreamBytes)
            {
                throw new InvalidDataException($"a PDF stream decodes to more than {MaxStreamBytes >> 20} MiB; its text is not extracted.");
            }
            var output = filter.Decode(input, streamDictionary, filterProvider, filterIndex);
            if (output.Length > MaxStreamBytes || (owner.decoded += output.Length) > MaxDocumentBytes)
            {
                throw new InvalidDataException($"the PDF's streams decode to more than {MaxDocumentBytes >> 20} MiB; its text is not extracted.");
            }
            // A content stream small enough to pass can still make PdfPig build gigabytes of graphics states (GraphicsStateCount).
            if (GraphicsStateCount.ProblemIn(output.Span) is { } problem)
            {
                throw new InvalidDataException($"a PDF stream is not read: {problem}.");
            }
            return output;
        }
    }
}
