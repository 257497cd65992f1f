#include "parser/block_tree.h"

#include <utility>

namespace vigil::parser {
namespace {

bool is_brace(const Token& t, char c) {
  return !t.quoted && t.text.size() == 1 && t.text[0] == c;
}

class TreeBuilder {
 public:
  explicit TreeBuilder(Diagnostics& diag) : diag_(diag) { stack_.push_back({}); }

  void line(std::vector<Token>& tokens) {
    for (Token& t : tokens) {
      if (is_brace(t, '{')) {
        open(t);
      } else if (is_brace(t, '}')) {
        finish_statement();
        close(t);
      } else {
        pending_.push_back(std::move(t));
      }
    }
    finish_statement();
  }

  std::vector<Node> finish() {
    finish_statement();
    while (stack_.size() > 1) {
      const Frame& f = stack_.back();
      diag_.error(f.open_brace, "block '" + f.owner_keyword + "' is not closed (missing '}')");
      pop();
    }
    return std::move(stack_.front().nodes);
  }

 private:
  struct Frame {
    std::vector<Node> nodes;
    SourceLocation open_brace;
    std::string owner_keyword;
  };

  void finish_statement() {
    if (pending_.empty()) return;
    Node n;
    n.words = std::move(pending_);
    pending_.clear();
    stack_.back().nodes.push_back(std::move(n));
  }

  void open(const Token& brace) {
    Node* owner = nullptr;
    if (!pending_.empty()) {
      finish_statement();
      owner = &stack_.back().nodes.back();
    } else if (!stack_.back().nodes.empty() && !stack_.back().nodes.back().has_block &&
               stack_.back().nodes.back().children.empty()) {
      // `{` alone (usually on the next line) belongs to the statement before it.
      owner = &stack_.back().nodes.back();
    }
    if (owner == nullptr) {
      diag_.error(brace.location, "'{' without a keyword before it");
      // Parse the anonymous block anyway so the braces stay balanced; it is discarded.
      Node anon;
      anon.words.push_back(Token{"{", brace.location, false});
      stack_.back().nodes.push_back(std::move(anon));
      owner = &stack_.back().nodes.back();
      owner->has_block = true;
      anonymous_.push_back(stack_.size());
    }
    owner->has_block = true;
    owner->block_location = brace.location;
    stack_.push_back(Frame{{}, brace.location, std::string(owner->keyword())});
  }

  void close(const Token& brace) {
    if (stack_.size() == 1) {
      diag_.error(brace.location, "'}' without a matching '{'");
      return;
    }
    pop();
  }

  void pop() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Node& owner = stack_.back().nodes.back();
    owner.children = std::move(f.nodes);
    if (!anonymous_.empty() && anonymous_.back() == stack_.size()) {
      anonymous_.pop_back();
      stack_.back().nodes.pop_back();
    }
  }

  Diagnostics& diag_;
  std::vector<Frame> stack_;
  std::vector<Token> pending_;
  std::vector<std::size_t> anonymous_;  // stack depths of discarded anonymous blocks
};

}  // namespace

std::vector<Node> build_tree(std::vector<Line> lines, Diagnostics& diag) {
  TreeBuilder builder(diag);
  for (Line& l : lines) builder.line(l.tokens);
  return builder.finish();
}

}  // namespace vigil::parser
