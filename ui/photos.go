package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // decodes JPEG thumbnails
	_ "image/png"  // decodes PNG thumbnails
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// PhotoStore records photos of received devices; intake.Bench is one.
type PhotoStore interface {
	AddPhoto(ctx context.Context, op intake.Operator, tradeInID, angle string, data []byte) (intake.Photo, error)
}

// PhotoSource takes a picture, e.g. with the bench's webcam, and returns
// its bytes: what they are is read from them (intake.PhotoType).
type PhotoSource interface {
	Capture(ctx context.Context) ([]byte, error)
}

// PhotoReader reads stored photos for thumbnails; store.Store is one.
type PhotoReader interface {
	PhotoData(ctx context.Context, sha string) ([]byte, error)
}

// maxPhotoBytes is read from a file at most; the store refuses more than
// 10 MiB and says so.
const maxPhotoBytes = 10<<20 + 1

// photoPanel adds photos to the device being graded.
type photoPanel struct {
	s       *GradeScreen
	angle   *widget.Select
	list    *widget.Label
	msg     message
	content fyne.CanvasObject
	taken   []string
}

func newPhotoPanel(s *GradeScreen) *photoPanel {
	p := &photoPanel{s: s, msg: newMessage(), list: widget.NewLabel("No photos yet.")}
	if s.deps.Photos == nil {
		p.content = container.NewVBox(bold("Photos"), widget.NewLabel("Photos are not stored on this bench."))
		return p
	}
	p.angle = widget.NewSelect(intake.PhotoAngles(), func(string) { s.env.touch() })
	p.angle.SetSelectedIndex(0)
	fromFile := widget.NewButtonWithIcon("Add photo from file…", theme.FolderOpenIcon(), p.openFile)
	buttons := container.NewHBox(widget.NewLabel("Angle"), p.angle, fromFile)
	if s.deps.Camera != nil {
		buttons.Add(widget.NewButtonWithIcon("Take photo", theme.MediaPhotoIcon(), p.capture))
	}
	p.content = container.NewVBox(bold("Photos (needed if the device is worse than disclosed)"), buttons, p.list, p.msg.Label)
	return p
}

func (p *photoPanel) reset() {
	p.taken = nil
	p.list.SetText("No photos yet.")
	p.msg.clear()
	if p.angle != nil {
		p.angle.SetSelectedIndex(0)
	}
}

func (p *photoPanel) openFile() {
	p.s.env.touch()
	if p.s.env.Window == nil {
		p.msg.error("Cannot open a file picker here: no window.")
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			p.msg.error(explain("Opening the photo", err))
			return
		}
		if r == nil {
			return // cancelled
		}
		p.add(func(context.Context) ([]byte, error) {
			defer r.Close()
			return io.ReadAll(io.LimitReader(r, maxPhotoBytes))
		})
	}, p.s.env.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"}))
	d.Show()
}

func (p *photoPanel) capture() {
	p.s.env.touch()
	p.add(p.s.deps.Camera.Capture)
}

// add reads a photo (off the UI goroutine) and stores it against the
// device being graded.
func (p *photoPanel) add(read func(context.Context) ([]byte, error)) {
	if p.s.tradeIn == nil {
		p.msg.error("No device is being graded: scan and receive it first.")
		return
	}
	id, op, angle := p.s.tradeIn.ID, p.s.env.operator(), p.angle.Selected
	p.msg.note("Saving photo…")
	background(p.s.env, func(ctx context.Context) (string, error) {
		data, err := read(ctx)
		if err != nil {
			return "", err
		}
		ph, err := p.s.deps.Photos.AddPhoto(ctx, op, id, angle, data)
		return ph.SHA256, err
	}, func(sha string, err error) {
		if err != nil {
			p.s.env.trouble()
			p.msg.error(explain("Saving the photo", err))
			return
		}
		p.taken = append(p.taken, fmt.Sprintf("%s (%s…)", angle, sha[:min(8, len(sha))]))
		p.list.SetText(fmt.Sprintf("%d photo(s): %s", len(p.taken), strings.Join(p.taken, ", ")))
		p.msg.success("Photo saved.")
		if i := p.angle.SelectedIndex(); i+1 < len(p.angle.Options) {
			p.angle.SetSelectedIndex(i + 1) // the next angle is the likely next photo
		}
	})
}

// thumbnail shows a stored photo, loaded off the UI goroutine.
func thumbnail(env Env, r PhotoReader, ph intake.Photo, size float32) fyne.CanvasObject {
	img := canvas.NewImageFromResource(theme.MediaPhotoIcon())
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(size, size))
	caption := widget.NewLabel(ph.Angle)
	background(env, func(ctx context.Context) (image.Image, error) {
		data, err := r.PhotoData(ctx, ph.SHA256)
		if err != nil {
			return nil, err
		}
		decoded, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("unreadable picture: %w", err)
		}
		return decoded, nil
	}, func(decoded image.Image, err error) {
		if err != nil {
			caption.SetText(fmt.Sprintf("%s: %v", ph.Angle, err))
			return
		}
		img.Resource, img.Image = nil, decoded
		img.Refresh()
	})
	return container.NewVBox(img, caption)
}
