using MediatR;

namespace Evidence.Web.Pages;

/// <summary>The upload page; the browser sends the files to the resumable upload API (assets/upload.js).</summary>
public sealed class UploadModel(IMediator mediator) : EvidencePage(mediator)
{
    public string Collector { get; private set; } = "";

    public void OnGet() => Collector = Actor.Name;
}
