package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/secctx/secctx/report"
)

// outputHelp is the -o flag's help.
const outputHelp = "output format: text, wide, json, yaml, name, jsonpath=TEMPLATE, jsonpath-file=FILE, jsonpath-as-json=TEMPLATE, go-template=TEMPLATE, go-template-file=FILE (as kubectl's -o)"

// printer is -o and kubectl's template flags (--template,
// --allow-missing-template-keys), and prints a document by them: text and
// wide are the plugin's own, json and yaml secctx's documents as secctx
// writes them, name kubectl's resource/name lines, and the templates
// (jsonpath, go-template) k8s.io/cli-runtime's printers, on the JSON form
// of the document.
type printer struct {
	output string
	tmpl   *genericclioptions.KubeTemplatePrintFlags
	set    func() bool // -o was given
}

// register adds -o and the template flags to fs.
func (p *printer) register(fs *pflag.FlagSet) {
	p.tmpl = genericclioptions.NewKubeTemplatePrintFlags()
	var cmd cobra.Command
	p.tmpl.AddFlags(&cmd)
	fs.AddFlagSet(cmd.Flags())
	fs.StringVarP(&p.output, "output", "o", "text", outputHelp)
	p.set = func() bool { return fs.Changed("output") }
}

// format is the output format in force: --template alone means
// go-template, as in kubectl.
func (p *printer) format() string {
	if t := p.tmpl.TemplateArgument; t != nil && *t != "" && !p.set() {
		return "go-template"
	}
	return p.output
}

// check refuses an unknown format or a bad template, as a usage error.
func (p *printer) check() error {
	switch p.format() {
	case "text", "wide", "json", "yaml", "name":
		return nil
	}
	_, err := p.tmpl.ToPrinter(p.format())
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		return usageErr("-o: want text, wide, json, yaml, name, jsonpath=TEMPLATE, jsonpath-file=FILE, jsonpath-as-json=TEMPLATE, go-template=TEMPLATE or go-template-file=FILE, not %q", p.output)
	}
	if err != nil {
		return usageErr("-o %s: %v", p.format(), err)
	}
	return nil
}

// print writes doc (a secctx document with apiVersion and kind) in the
// format in force; text writes the text and wide forms, names are the
// resource/name lines.
func (p *printer) print(w io.Writer, doc any, text func(w io.Writer, wide bool) error, names []string) error {
	switch p.format() {
	case "text":
		return text(w, false)
	case "wide":
		return text(w, true)
	case "json":
		return report.WriteJSON(w, doc)
	case "yaml":
		return report.WriteYAML(w, doc)
	case "name":
		for _, n := range names {
			if _, err := fmt.Fprintln(w, n); err != nil {
				return err
			}
		}
		return nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("-o %s: %v", p.format(), err)
	}
	pr, err := p.tmpl.ToPrinter(p.format())
	if err != nil {
		return err
	}
	return pr.PrintObj(obj, w)
}
