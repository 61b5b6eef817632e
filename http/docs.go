package http

import (
	"embed"
	"net/http"

	"paygate"
)

//go:embed openapi.json docs
var assets embed.FS

// OpenAPI returns the embedded OpenAPI 3.1 document.
func OpenAPI() []byte {
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(OpenAPI())
}

// handleDocs serves a page that renders the OpenAPI document with embedded
// script and style only: nothing is loaded from the internet.
func (s *Server) handleDocs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
	http.ServeFileFS(w, r, assets, "docs/index.html")
}

// handleDocsSlash sends /docs/ to /docs, whose page loads its script and
// style by paths relative to it.
func (s *Server) handleDocsSlash(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/docs", http.StatusMovedPermanently)
}

func (s *Server) handleDocsAsset(w http.ResponseWriter, r *http.Request) {
	switch f := r.PathValue("file"); f {
	case "docs.js", "docs.css":
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		http.ServeFileFS(w, r, assets, "docs/"+f)
	default:
		s.error(w, r, paygate.Errorf(paygate.ENotFound, "no file %s", f))
	}
}
