package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // decodes JPEG thumbnails
	_ "image/png"  // decodes PNG thumbnails
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
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

// PhotoLister lists the photos a device has; store.Store is one.
type PhotoLister interface {
	Photos(ctx context.Context, tradeInID string) ([]intake.Photo, error)
	PhotoReader
}

// photoPanel adds photos to the device being graded and shows them as
// thumbnails, the ones it had before (a supervisor asked for more) first.
type photoPanel struct {
	s       *GradeScreen
	angle   *widget.Select
	thumbs  *fyne.Container
	msg     message
	content fyne.CanvasObject
	taken   int
}

// photoThumb is the size of a photo while grading: enough to see which
// side it shows; a tap shows it large.
const photoThumb = 56

func newPhotoPanel(s *GradeScreen) *photoPanel {
	p := &photoPanel{s: s, msg: newMessage(), thumbs: container.NewHBox()}
	if s.deps.Photos == nil {
		p.content = widget.NewLabel("Photos are not stored on this bench.")
		return p
	}
	p.angle = widget.NewSelect(intake.PhotoAngles(), func(string) { s.env.touch() })
	p.angle.SetSelectedIndex(0)
	fromFile := widget.NewButtonWithIcon("From file…", theme.FolderOpenIcon(), p.openFile)
	buttons := container.NewHBox(bold("Photos"), p.angle, fromFile)
	if s.deps.Camera != nil {
		buttons.Add(widget.NewButtonWithIcon("Take photo", theme.MediaPhotoIcon(), p.capture))
	}
	p.content = container.NewVBox(buttons, container.NewHScroll(p.thumbs), p.msg.Label)
	return p
}

func (p *photoPanel) count() int { return p.taken }

func (p *photoPanel) reset(t intake.TradeIn) {
	p.taken = 0
	p.thumbs.RemoveAll()
	p.thumbs.Add(widget.NewLabel("No photos yet."))
	p.msg.clear()
	if p.angle == nil {
		return
	}
	p.angle.SetSelectedIndex(0)
	lister := p.s.deps.Existing
	if lister == nil {
		return
	}
	background(p.s.env, func(ctx context.Context) ([]intake.Photo, error) { return lister.Photos(ctx, t.ID) },
		func(phs []intake.Photo, err error) {
			if p.s.tradeIn == nil || p.s.tradeIn.ID != t.ID {
				return // another device by now
			}
			if err != nil {
				p.msg.error(explain("Loading the photos taken before", err))
				return
			}
			for _, ph := range phs {
				p.shown(thumbnail(p.s.env, lister, ph, photoThumb))
			}
		})
}

// shown adds a thumbnail, replacing the "no photos" note.
func (p *photoPanel) shown(o fyne.CanvasObject) {
	if p.taken == 0 {
		p.thumbs.RemoveAll()
	}
	p.taken++
	p.thumbs.Add(o)
	p.s.update()
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

type takenPhoto struct {
	photo   intake.Photo
	decoded image.Image
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
	background(p.s.env, func(ctx context.Context) (takenPhoto, error) {
		data, err := read(ctx)
		if err != nil {
			return takenPhoto{}, err
		}
		ph, err := p.s.deps.Photos.AddPhoto(ctx, op, id, angle, data)
		if err != nil {
			return takenPhoto{}, err
		}
		decoded, _, _ := image.Decode(bytes.NewReader(data)) // stored: a picture this bench cannot draw still counts
		return takenPhoto{ph, decoded}, nil
	}, func(tp takenPhoto, err error) {
		if err != nil {
			p.s.env.trouble()
			p.msg.error(explain("Saving the photo", err))
			return
		}
		p.shown(photoTile(p.s.env, tp.photo.Angle, tp.decoded, photoThumb))
		p.msg.success(fmt.Sprintf("Photo saved (%s).", tp.photo.Angle))
		if i := p.angle.SelectedIndex(); i+1 < len(p.angle.Options) {
			p.angle.SetSelectedIndex(i + 1) // the next angle is the likely next photo
		}
	})
}

// thumbnail shows a stored photo, loaded off the UI goroutine.
func thumbnail(env Env, r PhotoReader, ph intake.Photo, size float32) fyne.CanvasObject {
	tile := newPhotoTile(env, ph.Angle, nil, size)
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
			tile.caption.SetText(fmt.Sprintf("%s: %v", ph.Angle, err))
			return
		}
		tile.set(decoded)
	})
	return tile
}

// photoTile is a tile for a picture already in hand.
func photoTile(env Env, angle string, decoded image.Image, size float32) fyne.CanvasObject {
	return newPhotoTile(env, angle, decoded, size)
}

// tile is a photo's thumbnail with its angle; tapped, it shows the photo
// as large as the window allows, to judge a scratch from a reflection.
type tile struct {
	widget.BaseWidget
	env     Env
	img     *canvas.Image
	caption *widget.Label
	decoded image.Image
}

func newPhotoTile(env Env, angle string, decoded image.Image, size float32) *tile {
	t := &tile{env: env, img: canvas.NewImageFromResource(theme.MediaPhotoIcon()), caption: widget.NewLabel(angle)}
	t.img.FillMode = canvas.ImageFillContain
	t.img.SetMinSize(fyne.NewSize(size, size))
	t.caption.Alignment = fyne.TextAlignCenter
	if decoded != nil {
		t.set(decoded)
	}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tile) set(decoded image.Image) {
	t.decoded = decoded
	t.img.Resource, t.img.Image = nil, decoded
	t.img.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, t.caption, nil, nil, t.img))
}

// Cursor implements desktop.Cursorable.
func (t *tile) Cursor() desktop.Cursor { return desktop.PointerCursor }

// Tapped implements fyne.Tappable: the photo, large.
func (t *tile) Tapped(*fyne.PointEvent) {
	t.env.touch()
	if t.decoded == nil || t.env.Window == nil {
		return
	}
	big := canvas.NewImageFromImage(t.decoded)
	big.FillMode = canvas.ImageFillContain
	size := t.env.Window.Canvas().Size()
	big.SetMinSize(fyne.NewSize(size.Width*0.8, size.Height*0.7))
	dialog.ShowCustom(t.caption.Text, "Close", big, t.env.Window)
}
