namespace Evidence.Web.Localization;

/// <summary>
/// The texts page models and the API's pages write (messages after a form, names of roles and states), translated in
/// Resources/Localization/Texts.uk.resx; a view's own texts are in the resource file named after the view.
/// </summary>
public sealed class Texts;
