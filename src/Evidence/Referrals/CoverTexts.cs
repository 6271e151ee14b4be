using System.Globalization;
using Evidence.Domain;

namespace Evidence.Referrals;

/// <summary>
/// The words of a package's cover report (data/README.html) in each language it can be written in: English, a working
/// language of the ICC, and Ukrainian, which a Ukrainian national prosecutor reads. Chosen per package
/// (<see cref="BuildReferralPackage.Language"/>) and stated in case.json, so a reader knows which one they hold.
/// <para>
/// A typed table rather than .resx files with a ResourceManager, on purpose: every member is <c>required</c>, so a text
/// without its translation does not compile (a ResourceManager would fall back to English in silence, and a court
/// document would come out half translated); the texts that take values take them as typed arguments, not as
/// positional {0}; the language is a property of the package, not of the thread's culture; and a reader checks both
/// languages side by side in one file.
/// </para>
/// <para>
/// Only the report's own words are translated. What was recorded (titles, names, places, descriptions, the provenance
/// check's warnings and signature verdicts) is shown as recorded, and the elements of crimes keep the ICC's English
/// wording, which is what a chamber cites; the Ukrainian report says so. Dates and numbers keep one unambiguous
/// form in both: yyyy-MM-dd and UTC.
/// </para>
/// <para>
/// Texts marked HTML are trusted markup written here; every other text, and every value put into any text, is
/// encoded by <see cref="CoverReport"/>.
/// </para>
/// </summary>
internal sealed record CoverTexts
{
    public const string EnglishCode = "en";
    public const string UkrainianCode = "uk";

    /// <summary>What a refusal names as the choices.</summary>
    public const string Choices = "en (English) or uk (Ukrainian)";

    /// <summary>The language's code (BCP 47): &lt;html lang&gt; and case.json's <c>coverReportLanguage</c>.</summary>
    public required string Code { get; init; }

    public required string ReferralPackage { get; init; }

    /// <summary>The heading of the timeline section; the picture's own words are Timeline/TimelineLabels, in the same language.</summary>
    public required string Timeline { get; init; }

    /// <summary>The package in one sentence: in English, the same sentence as bag-info.txt's description.</summary>
    public required Func<PackageMetadata, string> Description { get; init; }

    /// <summary>Notes that recorded values are shown as recorded (HTML).</summary>
    public required string ValuesAsRecorded { get; init; }

    public required string PackageId { get; init; }
    public required string For { get; init; }
    public required string Reference { get; init; }
    public required string NoneGiven { get; init; }
    public required string From { get; init; }
    public required string Assembled { get; init; }
    public required string ItemsHeading { get; init; }

    /// <summary>The number of items and their bytes, the bytes already formatted by <see cref="Number"/>.</summary>
    public required Func<int, string, string> ItemsAndBytes { get; init; }

    public required string CustodyLedger { get; init; }

    /// <summary>The checkpoint's size, and whether it carries an RFC 3161 timestamp.</summary>
    public required Func<long, bool, string> Proofs { get; init; }

    /// <summary>HTML.</summary>
    public required string PseudonymsOnly { get; init; }

    /// <summary>HTML.</summary>
    public required string IdentitiesIncluded { get; init; }

    /// <summary>HTML.</summary>
    public required string RedactedOnly { get; init; }

    public required string Incident { get; init; }

    /// <summary>Between the first and last day of an incident's period.</summary>
    public required string To { get; init; }

    public required string QualifiedUnder { get; init; }
    public required string Evidence { get; init; }

    /// <summary>The evidence table's columns, in order: ERN, title, captured, type, collector, made from, victims, elements, provenance, SHA-256.</summary>
    public required IReadOnlyList<string> EvidenceColumns { get; init; }

    public required string Unknown { get; init; }

    /// <summary>HTML.</summary>
    public required string DerivedItemsNote { get; init; }

    public required string ByPerpetrator { get; init; }
    public required string NoPerpetrator { get; init; }
    public required string ByElement { get; init; }

    /// <summary>Says in which wording the elements are given (HTML).</summary>
    public required string ElementsWording { get; init; }

    public required string Article { get; init; }

    /// <summary>The elements tables' columns: number, element, evidence.</summary>
    public required IReadOnlyList<string> ElementColumns { get; init; }

    /// <summary>HTML.</summary>
    public required string NoEvidence { get; init; }

    public required string RedactionInsteadOf { get; init; }

    /// <summary>Between a derived item's kind and the item it was made from ("translation of").</summary>
    public required string MadeFrom { get; init; }

    public required string NotInPackage { get; init; }
    public required string SignedBy { get; init; }
    public required string TrustedSigner { get; init; }
    public required string UntrustedSigner { get; init; }
    public required string Signature { get; init; }
    public required string FileSaysCaptured { get; init; }
    public required string FileGps { get; init; }
    public required string Warning { get; init; }

    public required string HowToVerify { get; init; }

    /// <summary>The folder the zip unpacks to, already encoded (HTML).</summary>
    public required Func<string, string> VerifyIntro { get; init; }

    public required string VerifyFiles { get; init; }
    public required string VerifySigned { get; init; }

    /// <summary>The command that prints the fingerprint, already encoded (HTML).</summary>
    public required Func<string, string> VerifyFingerprint { get; init; }

    /// <summary>The ledger key, already encoded (HTML).</summary>
    public required Func<string, string> VerifyLedger { get; init; }

    /// <summary>The command that shows the token, already encoded (HTML).</summary>
    public required Func<string, string> VerifyTimestamp { get; init; }

    public required string VerifyTool { get; init; }

    /// <summary>HTML.</summary>
    public required string VerifyExported { get; init; }

    /// <summary>
    /// The words of a recorded vocabulary (a perpetrator's kind, an item's generation, a derived item's kind, a C2PA verdict) in
    /// this language; English is the recorded word, and a word without an entry is shown as recorded.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Words { get; init; }

    /// <summary>A byte count with its thousands grouped: "1,234,567" in English, "1 234 567" (no-break spaces) in Ukrainian, where a comma is the decimal sign.</summary>
    public required Func<long, string> Number { get; init; }

    public string Word(string recorded) => Words.GetValueOrDefault(recorded, recorded);

    /// <summary>The texts of a language code, English when none is given; null for a language the report is not written in.</summary>
    public static CoverTexts? Of(string? code) => code switch
    {
        null or EnglishCode => English,
        UkrainianCode => Ukrainian,
        _ => null,
    };

    public static readonly CoverTexts English = new()
    {
        Code = EnglishCode,
        ReferralPackage = "Referral package",
        Timeline = "Timeline",
        Description = m => m.Description,
        ValuesAsRecorded = "Titles, names, places and descriptions are given as they were recorded, in the language they were recorded in.",
        PackageId = "Package id",
        For = "For",
        Reference = "Reference",
        NoneGiven = "none given",
        From = "From",
        Assembled = "Assembled",
        ItemsHeading = "Items",
        ItemsAndBytes = (items, bytes) => $"{items} ({bytes} bytes of evidence)",
        CustodyLedger = "Custody ledger",
        Proofs = (size, timestamped) => $"proofs against checkpoint of {size} events{(timestamped ? ", with its RFC 3161 timestamp" : "")}",
        PseudonymsOnly = "Child victims appear by pseudonym code only (V-0001, ...). Their identities stay with the sender and are released only on request, as a recorded act.",
        IdentitiesIncluded = "This package contains the identities of child victims (<code>metadata/identities.json</code>), released for this package as recorded custody events. " +
                             "Protect it under Rome Statute article 68(1).",
        RedactedOnly = "Redacted copies only: each item is given as its redaction, never as its original. The column <em>Made from</em> names the " +
                       "original each redaction is given instead of; the originals stay with the sender.",
        Incident = "Incident",
        To = " to ",
        QualifiedUnder = "Qualified under",
        Evidence = "Evidence",
        EvidenceColumns = ["ERN", "Title", "Captured", "Type", "Collector", "Made from", "Victims", "Elements", "Provenance", "SHA-256"],
        Unknown = "unknown",
        DerivedItemsNote = "Each item made from another (a translation, transcript, redaction, summary or OCR text) follows the item it was made from, " +
                           "and its ERN is that item's with a suffix: T translation, X transcript, R redaction, S summary, O OCR text, D derived of an unstated kind. " +
                           "<code>metadata/loadfile.dat</code> is a Concordance load file of the same rows for review platforms; its paths are relative to <code>data/</code>.",
        ByPerpetrator = "By perpetrator",
        NoPerpetrator = "No item is tagged to a perpetrator.",
        ByElement = "By element of crime",
        ElementsWording = "The elements are quoted from the ICC's Elements of Crimes.",
        Article = "Article",
        ElementColumns = ["#", "Element", "Evidence"],
        NoEvidence = "<em>no evidence in this package</em>",
        RedactionInsteadOf = "redaction given instead of",
        MadeFrom = "of",
        NotInPackage = ", which is not in this package",
        SignedBy = "signed by",
        TrustedSigner = "(trusted signer)",
        UntrustedSigner = "(untrusted signer)",
        Signature = "signature",
        FileSaysCaptured = "file says captured",
        FileGps = "file GPS",
        Warning = "warning:",
        HowToVerify = "How to verify this package",
        VerifyIntro = bag => $"The package is a BagIt 1.0 bag (RFC 8493). Each step uses standard tools; run them in the folder the zip unpacks to, <code>{bag}</code>.",
        VerifyFiles = "Every file is the one listed, byte for byte:",
        VerifySigned = "The tag manifest (which pins the manifests, and so every byte) was signed by the sender's organisation certificate:",
        VerifyFingerprint = command => $"Compare the certificate's fingerprint (<code>{command}</code>) with the one the sender gave you by another channel.",
        VerifyLedger = key => "Every custody event in <code>data/custody/events.jsonl</code> is in the sender's append-only ledger: each line's leaf hash\n" +
                              "SHA-256(0x00 || line) and the audit path in <code>proofs.jsonl</code> lead to the root in <code>checkpoint.txt</code>\n" +
                              $"(RFC 6962), which is signed by the ledger key <code>{key}</code>.",
        VerifyTimestamp = command => $"The checkpoint's RFC 3161 token: <code>{command}</code>.",
        VerifyTool = "All of the above, offline, with the sender's tool:",
        VerifyExported = "Each item also has an <code>Exported</code> event in the sender's ledger, recorded after this package was sealed, with the package's SHA-256.\n" +
                         "The sender can prove it with <code>evidence log inclusion</code> and <code>evidence log consistency</code> against a later checkpoint.",
        Words = new Dictionary<string, string>(StringComparer.Ordinal),
        Number = n => n.ToString("N0", CultureInfo.InvariantCulture),
    };

    public static readonly CoverTexts Ukrainian = new()
    {
        Code = UkrainianCode,
        ReferralPackage = "Пакет доказів для передачі",
        Timeline = "Хронологія",
        Description = m => $"Пакет доказів для передачі: {m.Recipient.Name} ({Purpose(m.Recipient.Kind)}); інцидент «{m.Incident.Title}», доказів: {m.Items.Count}" +
                           $"{(m.RedactedOnly ? ", лише копії з вилученнями" : "")}; відправник: {m.Organisation}.",
        ValuesAsRecorded = "Назви, імена, місця й описи наведено так, як їх було записано, мовою запису. Машинозчитувані метадані пакета " +
                           "(<code>metadata/</code>) мають англійські назви полів.",
        PackageId = "Ідентифікатор пакета",
        For = "Адресат",
        Reference = "Номер справи адресата",
        NoneGiven = "не зазначено",
        From = "Відправник",
        Assembled = "Сформовано",
        ItemsHeading = "Доказів",
        ItemsAndBytes = (items, bytes) => $"{items} (обсяг доказів: {bytes} байт)",
        CustodyLedger = "Журнал ланцюга зберігання",
        Proofs = (size, timestamped) => $"докази включення відносно контрольної точки журналу (подій: {size}){(timestamped ? ", з її позначкою часу RFC 3161" : "")}",
        PseudonymsOnly = "Діти-потерпілі зазначені лише псевдонімними кодами (V-0001, ...). Відомості про їхні особи залишаються у відправника " +
                         "й розкриваються лише на запит, і кожне розкриття записується.",
        IdentitiesIncluded = "Цей пакет містить відомості про особи дітей-потерпілих (<code>metadata/identities.json</code>), розкриті для цього пакета; " +
                             "кожне розкриття записано як подію ланцюга зберігання. Захищайте його відповідно до статті 68(1) Римського статуту.",
        RedactedOnly = "Лише копії з вилученнями: кожен доказ подано як його копію з вилученнями, ніколи як оригінал. Стовпець <em>Зроблено з</em> " +
                       "називає оригінал, замість якого подано кожну копію з вилученнями; оригінали залишаються у відправника.",
        Incident = "Інцидент",
        To = " – ",
        QualifiedUnder = "Кваліфікація за Римським статутом:",
        Evidence = "Докази",
        EvidenceColumns = ["ERN", "Назва", "Дата фіксації", "Тип", "Хто зібрав", "Зроблено з", "Потерпілі", "Елементи", "Походження", "SHA-256"],
        Unknown = "невідомо",
        DerivedItemsNote = "Кожен доказ, зроблений з іншого (переклад, стенограма, копія з вилученнями, стислий виклад чи розпізнаний текст), іде за доказом, " +
                           "з якого його зроблено, і його ERN — це ERN того доказу із суфіксом: T переклад, X стенограма, R копія з вилученнями, S стислий виклад, " +
                           "O розпізнаний текст (OCR), D похідний доказ невказаного виду. <code>metadata/loadfile.dat</code> — файл завантаження Concordance з тими самими " +
                           "рядками для платформ перегляду доказів; шляхи в ньому відносні до <code>data/</code>.",
        ByPerpetrator = "За ймовірними виконавцями",
        NoPerpetrator = "Жоден доказ не пов’язано з ймовірним виконавцем.",
        ByElement = "За елементами злочинів",
        ElementsWording = "Назви статей і тексти елементів злочинів наведено англійською мовою, дослівно за документом МКС «Елементи злочинів» " +
                          "(Elements of Crimes), без перекладу: це офіційне формулювання, на яке посилається суд.",
        Article = "Стаття",
        ElementColumns = ["№", "Елемент", "Докази"],
        NoEvidence = "<em>у цьому пакеті доказів немає</em>",
        RedactionInsteadOf = "копію з вилученнями подано замість",
        MadeFrom = "з",
        NotInPackage = ", якого немає в цьому пакеті",
        SignedBy = "підписувач:",
        TrustedSigner = "(довірений підписувач)",
        UntrustedSigner = "(недовірений підписувач)",
        Signature = "підпис",
        FileSaysCaptured = "за даними файлу, знято",
        FileGps = "GPS за даними файлу:",
        Warning = "попередження:",
        HowToVerify = "Як перевірити цей пакет",
        VerifyIntro = bag => "Пакет має формат BagIt 1.0 (RFC 8493). Кожен крок виконується стандартними інструментами; запускайте їх у теці, " +
                             $"в яку розпаковується zip-архів, <code>{bag}</code>.",
        VerifyFiles = "Кожен файл — саме той, що зазначений у переліку, байт у байт:",
        VerifySigned = "Маніфест тегів (який фіксує маніфести, а отже, кожен байт) підписано сертифікатом організації-відправника:",
        VerifyFingerprint = command => $"Порівняйте відбиток сертифіката (<code>{command}</code>) з тим, який відправник передав вам іншим каналом.",
        VerifyLedger = key => "Кожна подія ланцюга зберігання в <code>data/custody/events.jsonl</code> є в журналі відправника, до якого записи можна лише додавати: " +
                              "хеш листка кожного рядка\nSHA-256(0x00 || рядок) і шлях аудиту в <code>proofs.jsonl</code> ведуть до кореня в <code>checkpoint.txt</code>\n" +
                              $"(RFC 6962), підписаного ключем журналу <code>{key}</code>.",
        VerifyTimestamp = command => $"Позначка часу RFC 3161 контрольної точки: <code>{command}</code>.",
        VerifyTool = "Усе перелічене вище, без доступу до мережі, інструментом відправника:",
        VerifyExported = "Кожен доказ має також подію <code>Exported</code> у журналі відправника, записану після того, як цей пакет було запечатано, із SHA-256 пакета.\n" +
                         "Відправник може довести її командами <code>evidence log inclusion</code> і <code>evidence log consistency</code> відносно пізнішої контрольної точки.",
        Words = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["person"] = "особа",
            ["unit"] = "підрозділ",
            ["organisation"] = "організація",
            ["translation"] = "переклад",
            ["transcript"] = "стенограма",
            ["redaction"] = "копія з вилученнями",
            ["summary"] = "стислий виклад",
            ["ocr"] = "розпізнаний текст (OCR)",
            ["derived"] = "похідний доказ",
            ["original"] = "оригінал",
            ["copy"] = "копія",
            ["valid"] = "чинний",
            ["invalid"] = "нечинний",
            ["unreadable"] = "не вдалося прочитати",
        },
        Number = n => n.ToString("N0", CultureInfo.InvariantCulture).Replace(',', '\u00A0'),
    };

    // What the package is, as the Ukrainian report says it (Recipient.Purpose is the English).
    private static string Purpose(RecipientKind kind) => kind == RecipientKind.Icc
        ? "повідомлення відповідно до статті 15 Римського статуту"
        : "передача національному прокурору";
}
