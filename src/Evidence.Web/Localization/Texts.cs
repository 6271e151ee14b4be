using Microsoft.Extensions.Localization;

namespace Evidence.Web.Localization;

/// <summary>
/// The texts page models and the API's pages write (messages after a form, names of roles and states), translated in
/// Resources/Localization/Texts.uk.resx; a view's own texts are in the resource file named after the view.
/// </summary>
public sealed class Texts;

/// <summary>
/// <c>IStringLocalizer&lt;Texts&gt;</c>, which pages also hand the core's refusals to (<c>T[e.Message]</c>): a text of
/// Texts.uk.resx first, then, for a sentence that is not there, the core's refusal it is, by its template
/// (<see cref="Refusals"/>), so that "There is no incident 3f2c…" reads in Ukrainian too. Texts with arguments
/// (with a count, a name) are the pages' own and go to Texts.uk.resx only.
/// </summary>
internal sealed class TextsLocalizer(IStringLocalizerFactory factory) : IStringLocalizer<Texts>
{
    private readonly IStringLocalizer texts = factory.Create(typeof(Texts));

    public LocalizedString this[string name]
    {
        get
        {
            var text = texts[name];
            if (!text.ResourceNotFound)
            {
                return text;
            }
            var refusal = Refusals.Translate(name);
            return new LocalizedString(name, refusal, resourceNotFound: ReferenceEquals(refusal, name));
        }
    }

    public LocalizedString this[string name, params object[] arguments] => texts[name, arguments];

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => texts.GetAllStrings(includeParentCultures);
}
