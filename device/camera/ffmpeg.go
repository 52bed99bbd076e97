package camera

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"sync"
)

// Video is a FrameSource decoding a video file (or any input ffmpeg
// reads) in an ffmpeg subprocess that pipes raw grey frames.
type Video struct {
	cmd    *exec.Cmd
	out    *bufio.Reader
	stderr *bytes.Buffer
	once   sync.Once
	closed error
}

// VideoOptions tune OpenVideo.
type VideoOptions struct {
	// Realtime paces frames at the video's own rate (ffmpeg -re), as a live
	// camera would deliver them; otherwise ffmpeg decodes as fast as it can.
	Realtime bool
	// InputFormat is passed as -f before the input, e.g. "v4l2" to read a
	// webcam through ffmpeg.
	InputFormat string
	// FFmpeg is the binary; empty means "ffmpeg" on PATH.
	FFmpeg string
}

// OpenVideo starts ffmpeg on input. Close the Video to stop it.
func OpenVideo(input string, opts VideoOptions) (*Video, error) {
	bin := opts.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("camera: ffmpeg is needed for video input: %w", err)
	}
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error"}
	if opts.Realtime {
		args = append(args, "-re")
	}
	if opts.InputFormat != "" {
		args = append(args, "-f", opts.InputFormat)
	}
	// Grey PGM frames: the decoder wants luminance only, and each PGM
	// header carries the frame size.
	args = append(args, "-i", input, "-an", "-f", "image2pipe", "-pix_fmt", "gray", "-c:v", "pgm", "-")
	cmd := exec.Command(path, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("camera: ffmpeg: %w", err)
	}
	v := &Video{cmd: cmd, out: bufio.NewReaderSize(stdout, 1<<20), stderr: new(bytes.Buffer)}
	cmd.Stderr = v.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("camera: starting ffmpeg: %w", err)
	}
	return v, nil
}

// Next returns the next frame, io.EOF after the last. A read blocked on
// ffmpeg ends when ctx does, by stopping ffmpeg.
func (v *Video) Next(ctx context.Context) (image.Image, error) {
	stop := context.AfterFunc(ctx, func() { v.Close() })
	defer stop()
	img, err := readPGM(v.out)
	if err == nil {
		return img, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, io.EOF) {
		if werr := v.wait(); werr != nil {
			return nil, werr
		}
		return nil, io.EOF
	}
	v.Close()
	return nil, fmt.Errorf("camera: reading ffmpeg output: %w", err)
}

func (v *Video) wait() error {
	v.once.Do(func() {
		if err := v.cmd.Wait(); err != nil {
			v.closed = fmt.Errorf("camera: ffmpeg: %w: %s", err, bytes.TrimSpace(v.stderr.Bytes()))
		}
	})
	return v.closed
}

// Close stops ffmpeg and waits for it.
func (v *Video) Close() error {
	// Kill after exit is harmless: os.Process knows it has been reaped.
	_ = v.cmd.Process.Kill()
	_ = v.wait()
	return nil
}
