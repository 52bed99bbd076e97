package mail

import (
	htmltemplate "html/template"
	texttemplate "text/template"
)

// The bodies are short: a customer reads the amount, the device, the
// expiry and what to click, on a phone. The HTML keeps its styles inline
// because many mail clients drop <style>; html/template escapes every
// value, URLs in href included ("&" becomes "&amp;").

// htmlPage is an HTML e-mail: body in the page every message shares.
func htmlPage(name, body string) *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New(name).Parse(htmlHead + body + htmlFoot))
}

const (
	htmlHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1f2328;background:#ffffff">
`
	htmlFoot = `</body>
</html>
`
)

var quoteText = texttemplate.Must(texttemplate.New("quote text").Parse(`Hello{{with .Name}} {{.}}{{end}},

Thank you for your trade-in request. We offer {{.Amount}} for your {{.Device}}.
{{with .Notes}}
Notes: {{.}}
{{end}}
This offer is valid until {{.Expires}}.

To accept it, open this link:
{{.AcceptURL}}

To decline it, open this link:
{{.DeclineURL}}

Reference: {{.Reference}}

{{.Business}}
`))

var quoteHTML = htmlPage("quote HTML", `<p>Hello{{with .Name}} {{.}}{{end}},</p>
<p>Thank you for your trade-in request. We offer <strong>{{.Amount}}</strong> for your {{.Device}}.</p>
{{with .Notes}}<p style="white-space:pre-line"><strong>Notes:</strong> {{.}}</p>
{{end}}<p>This offer is valid until <strong>{{.Expires}}</strong>.</p>
<p>
<a href="{{.AcceptURL}}" style="display:inline-block;padding:10px 20px;margin:0 8px 8px 0;background:#1a7f37;color:#ffffff;text-decoration:none;border-radius:6px">Accept the offer</a>
<a href="{{.DeclineURL}}" style="display:inline-block;padding:10px 20px;margin:0 8px 8px 0;background:#ffffff;color:#cf222e;text-decoration:none;border:1px solid #cf222e;border-radius:6px">Decline the offer</a>
</p>
<p style="color:#57606a;font-size:14px">Reference: {{.Reference}}</p>
<p>{{.Business}}</p>
`)

var shipmentText = texttemplate.Must(texttemplate.New("shipment text").Parse(`Hello{{with .Name}} {{.}}{{end}},

Thank you for accepting our offer for trade-in {{.Reference}}.
{{if .LabelURL}}
Please pack your device securely and send it with this prepaid shipping label:
{{.LabelURL}}

Tracking number: {{.TrackingNumber}}
{{else}}
How to hand over your device:
{{.Instructions}}
{{end}}
Reference: {{.Reference}}
{{with .Business}}
{{.}}
{{end}}`))

var shipmentHTML = htmlPage("shipment HTML", `<p>Hello{{with .Name}} {{.}}{{end}},</p>
<p>Thank you for accepting our offer for trade-in {{.Reference}}.</p>
{{if .LabelURL}}<p>Please pack your device securely and send it with this prepaid shipping label:</p>
<p><a href="{{.LabelURL}}" style="display:inline-block;padding:10px 20px;background:#0969da;color:#ffffff;text-decoration:none;border-radius:6px">Print the shipping label</a></p>
<p>Tracking number: <strong>{{.TrackingNumber}}</strong></p>
{{else}}<p>How to hand over your device:</p>
<p style="white-space:pre-line">{{.Instructions}}</p>
{{end}}<p style="color:#57606a;font-size:14px">Reference: {{.Reference}}</p>
{{with .Business}}<p>{{.}}</p>
{{end}}`)

var declineText = texttemplate.Must(texttemplate.New("decline text").Parse(`Hello{{with .Name}} {{.}}{{end}},

We are sorry: we have declined your trade-in {{.Reference}}{{with .Device}} ({{.}}){{end}}.

Reason: {{.Reason}}
{{if .Received}}
{{if .ReturnAddress}}We are returning your device to you by post, to:
{{range .ReturnAddress}}{{.}}
{{end}}{{else}}We are returning your device to you: we will contact you to arrange how.
{{end}}{{else}}
Please do not send us your device.{{if .LabelCancelled}} The prepaid shipping label we sent you is cancelled and can no longer be used.{{end}}
{{end}}
Reference: {{.Reference}}
{{with .Business}}
{{.}}
{{end}}`))

var declineHTML = htmlPage("decline HTML", `<p>Hello{{with .Name}} {{.}}{{end}},</p>
<p>We are sorry: we have declined your trade-in {{.Reference}}{{with .Device}} ({{.}}){{end}}.</p>
<p style="white-space:pre-line"><strong>Reason:</strong> {{.Reason}}</p>
{{if .Received}}{{if .ReturnAddress}}<p>We are returning your device to you by post, to:</p>
<p>{{range $i, $l := .ReturnAddress}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>
{{else}}<p>We are returning your device to you: we will contact you to arrange how.</p>
{{end}}{{else}}<p><strong>Please do not send us your device.</strong>{{if .LabelCancelled}} The prepaid shipping label we sent you is cancelled and can no longer be used.{{end}}</p>
{{end}}<p style="color:#57606a;font-size:14px">Reference: {{.Reference}}</p>
{{with .Business}}<p>{{.}}</p>
{{end}}`)
