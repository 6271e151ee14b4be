using Evidence.Domain;

namespace Evidence.Referrals;

/// <summary>
/// An office's full name, as packages address it and as every page shows it: people choose "Office of the Prosecutor,
/// International Criminal Court", never "Icc".
/// </summary>
public static class RecipientNames
{
    public static string Of(RecipientKind office, EvidenceSettings settings) => office switch
    {
        RecipientKind.Icc => "Office of the Prosecutor, International Criminal Court",
        _ => settings.NationalProsecutorName,
    };
}
