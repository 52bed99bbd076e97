package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
)

// webhookFlags are serve's webhook settings.
type webhookFlags struct {
	db           *string
	allowPrivate *bool
	keyFile      *string
	getenv       func(string) string
}

// addWebhookFlags adds serve's webhook flags to fs; db is its --db.
func addWebhookFlags(fs *flag.FlagSet, db *string) *webhookFlags {
	return &webhookFlags{
		db: db,
		allowPrivate: fs.Bool("webhooks-allow-private", false,
			"let webhook endpoints be on loopback, private and link-local addresses (off: they are refused, against request forgery)"),
		keyFile: fs.String("secret-key-file", "",
			"file holding the base64 key that seals webhook secrets (default: "+secretKeyEnv+", else DB.key, created on first start)"),
		getenv: os.Getenv,
	}
}

// dispatcher makes the hub's webhook dispatcher: every event a bench can
// push is a webhook event type, endpoint secrets are sealed with the key
// loadSecretKey finds, and those a database from before sealing holds in
// plaintext are sealed now. A key that cannot open the sealed secrets
// stops the start here, rather than failing every delivery later.
func (f *webhookFlags) dispatcher(ctx context.Context, h *hub.Hub, log *slog.Logger) (*webhook.Dispatcher, error) {
	key, err := loadSecretKey(*f.keyFile, f.getenv, *f.db)
	if err != nil {
		return nil, err
	}
	if key.created != "" {
		log.Info("created the key sealing webhook secrets: keep it with the database's backups, apart from them", "file", key.created)
	} else if key.source != secretKeyEnv && keyFileExposed(key.source) {
		log.Warn("the key sealing webhook secrets is readable by other users: chmod 600 it", "file", key.source)
	}
	sealer, err := webhook.NewSealer(key.key)
	if err != nil {
		return nil, err
	}
	d, err := webhook.New(h.DB(), webhook.Config{
		Logger: log, Secrets: sealer, AllowPrivateTargets: *f.allowPrivate,
		EventTypes: []string{string(intake.EventOverrideAccepted), string(intake.EventPhotosRequested), string(intake.EventWalkInAccepted)},
	})
	if err != nil {
		return nil, err
	}
	n, err := d.SealSecrets(ctx)
	if err != nil {
		if key.created != "" {
			// Nothing was sealed with the key just made: leave no file
			// that would hide the loss of the right one on the next start.
			os.Remove(key.created)
		}
		return nil, fmt.Errorf("%w (key from %s, id %s)", err, key.source, sealer.KeyID())
	}
	if n > 0 {
		log.Info("sealed webhook secrets stored in plaintext; run VACUUM on the database to drop the old pages", "endpoints", n)
	}
	return d, nil
}

const webhooksUsage = `usage: intakehub webhooks list [--db PATH] [--json]
       intakehub webhooks dead ENDPOINT [--db PATH] [--json]
       intakehub webhooks redrive ENDPOINT [--delivery ID] [--db PATH]`

// runWebhooks lists endpoints, shows an endpoint's dead letters and
// redrives them. A running hub picks redriven deliveries up at its next
// poll; no key is needed, as no secret is read.
func runWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("webhooks", stderr)
	delivery := fs.Int64("delivery", 0, "redrive: only this delivery (default: every dead one)")
	asJSON := fs.Bool("json", false, "list, dead: print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	want := map[string]int{"list": 1, "dead": 2, "redrive": 2}
	if len(pos) == 0 || want[pos[0]] != len(pos) || *delivery < 0 || (*delivery != 0 && pos[0] != "redrive") {
		fmt.Fprintln(stderr, webhooksUsage)
		return errUsage
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	d, err := webhook.New(h.DB(), webhook.Config{})
	if err != nil {
		return err
	}
	switch pos[0] {
	case "list":
		eps, err := d.Endpoints(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return webhooksJSON(stdout, eps)
		}
		return webhooksTable(stdout, "ID\tURL\tEVENTS\tCREATED", len(eps), func(i int) string {
			ep := eps[i]
			events := strings.Join(ep.Events, ",")
			if events == "" {
				events = "*"
			}
			return strings.Join([]string{ep.ID, ep.URL, events, ep.CreatedAt.Format(time.RFC3339)}, "\t")
		})
	case "dead":
		ds, err := d.Dead(ctx, pos[1])
		if err != nil {
			return explainWebhookErr(err, pos[1])
		}
		if *asJSON {
			return webhooksJSON(stdout, ds)
		}
		return webhooksTable(stdout, "DELIVERY\tEVENT\tTYPE\tATTEMPTS\tREDRIVES\tLAST\tDIED", len(ds), func(i int) string {
			dl := ds[i]
			last := dl.LastError
			if last == "" {
				last = strconv.Itoa(dl.LastStatus)
			}
			died := ""
			if dl.FinishedAt != nil {
				died = dl.FinishedAt.Format(time.RFC3339)
			}
			return strings.Join([]string{strconv.FormatInt(dl.ID, 10), dl.EventID, dl.EventType,
				strconv.Itoa(dl.Attempts), strconv.Itoa(dl.Redrives), last, died}, "\t")
		})
	default:
		ids, err := d.Redrive(ctx, pos[1], *delivery)
		if err != nil {
			return explainWebhookErr(err, pos[1])
		}
		if len(ids) == 0 {
			fmt.Fprintf(stdout, "no dead deliveries to %s\n", pos[1])
			return nil
		}
		text := make([]string, len(ids))
		for i, id := range ids {
			text[i] = strconv.FormatInt(id, 10)
		}
		fmt.Fprintf(stdout, "redrove %d deliveries to %s: %s\n", len(ids), pos[1], strings.Join(text, " "))
		return nil
	}
}

// explainWebhookErr words an unknown endpoint for the command line.
func explainWebhookErr(err error, endpoint string) error {
	switch {
	case errors.Is(err, webhook.ErrNotFound):
		return fmt.Errorf("webhook endpoint %s not found, or removed (intakehub webhooks list shows the registered ones)", endpoint)
	}
	return err // names the endpoint and the delivery already
}

func webhooksJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func webhooksTable(w io.Writer, header string, n int, row func(int) string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for i := range n {
		fmt.Fprintln(tw, row(i))
	}
	return tw.Flush()
}
