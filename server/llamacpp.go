package server

import (
	"net/http"
	"unicode/utf8"

	"github.com/gollm/gollm"
)

// llama-server's extra endpoints. They take an optional "model" (default:
// Config.DefaultModel, else the only loaded model).

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type tokenizeRequest struct {
	Model        string `json:"model"`
	Content      string `json:"content"`
	AddSpecial   bool   `json:"add_special"`
	ParseSpecial *bool  `json:"parse_special"`
	WithPieces   bool   `json:"with_pieces"`
}

type tokenPiece struct {
	ID    int32 `json:"id"`
	Piece any   `json:"piece"` // a string, or the bytes when not valid UTF-8
}

func (s *Server) handleTokenize(w http.ResponseWriter, r *http.Request) {
	var req tokenizeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	parse := req.ParseSpecial == nil || *req.ParseSpecial
	err := s.withModel(r.Context(), req.Model, func(run *runner) error {
		tok := run.model.Tokenizer()
		ids := tok.Encode(req.Content, req.AddSpecial, parse)
		if !req.WithPieces {
			if ids == nil {
				ids = []int32{}
			}
			writeJSON(w, http.StatusOK, map[string]any{"tokens": ids})
			return nil
		}
		pieces := make([]tokenPiece, len(ids))
		for i, id := range ids {
			p := tok.Piece(id, true)
			if utf8.Valid(p) {
				pieces[i] = tokenPiece{id, string(p)}
			} else {
				bs := make([]int, len(p))
				for k, b := range p {
					bs[k] = int(b)
				}
				pieces[i] = tokenPiece{id, bs}
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"tokens": pieces})
		return nil
	})
	if err != nil {
		writeError(w, apiOpenAI, err)
	}
}

type detokenizeRequest struct {
	Model  string  `json:"model"`
	Tokens []int32 `json:"tokens"`
}

func (s *Server) handleDetokenize(w http.ResponseWriter, r *http.Request) {
	var req detokenizeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	err := s.withModel(r.Context(), req.Model, func(run *runner) error {
		tok := run.model.Tokenizer()
		n := int32(tok.VocabSize())
		for _, id := range req.Tokens {
			if id < 0 || id >= n {
				return badParam("tokens", "token id %d is outside the vocabulary (0..%d)", id, n-1)
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"content": tok.Detokenize(req.Tokens, false, true)})
		return nil
	})
	if err != nil {
		writeError(w, apiOpenAI, err)
	}
}

type applyTemplateRequest struct {
	Model              string         `json:"model"`
	Messages           []oaiMessage   `json:"messages"`
	Tools              []ollamaTool   `json:"tools"`
	ChatTemplateKwargs map[string]any `json:"chat_template_kwargs"`
}

func (s *Server) handleApplyTemplate(w http.ResponseWriter, r *http.Request) {
	var req applyTemplateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, apiOpenAI, err)
		return
	}
	msgs, err := oaiMessages(req.Messages)
	if err == nil {
		err = s.withModel(r.Context(), req.Model, func(run *runner) error {
			text, err := renderChat(run, withDefaultSystem(msgs, run.ref.System), gollm.ChatOptions{Tools: chatTools(req.Tools), TemplateVars: req.ChatTemplateKwargs})
			if err != nil {
				return badRequest("applying the chat template: %v", err)
			}
			writeJSON(w, http.StatusOK, map[string]string{"prompt": text})
			return nil
		})
	}
	if err != nil {
		writeError(w, apiOpenAI, err)
	}
}
