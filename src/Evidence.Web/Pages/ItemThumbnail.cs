namespace Evidence.Web.Pages;

/// <summary>
/// What the <c>_Thumbnail</c> partial needs to show an item in a list: <c>&lt;partial name="_Thumbnail" model="new ItemThumbnail(item.Id, item.MediaType)" /&gt;</c>.
/// The partial shows the thumbnail (a <c>Viewed</c> custody event each, loaded only when scrolled into view) to the
/// roles that may see content and an image has one; otherwise, and always for auditors, the kind of file in words.
/// </summary>
public sealed record ItemThumbnail(Guid Id, string MediaType);
