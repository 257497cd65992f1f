#include "parser/block_tree.h"

#include <utility>

namespace vigil::parser {
namespace {

bool is_brace(const Token& t, char c) { return !t.quoted && t.text.size() == 1 && t.text[0] == c; }

}  // namespace

TreeBuilder::TreeBuilder(Diagnostics& diag, Sink sink) : diag_(diag), sink_(std::move(sink)) {
  stack_.push_back({});
}

void TreeBuilder::line(std::vector<Token>& tokens) {
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

void TreeBuilder::finish() {
  finish_statement();
  while (stack_.size() > 1) {
    const Frame& f = stack_.back();
    const std::string_view owner = stack_[stack_.size() - 2].nodes.back().keyword();
    diag_.error(f.open_brace, "block '" + std::string(owner) + "' is not closed (missing '}')");
    pop();
  }
  flush_top_level();
}

void TreeBuilder::finish_statement() {
  if (pending_.empty()) return;
  // A new top-level statement: the ones before it can no longer take a `{`.
  if (stack_.size() == 1) flush_top_level();
  Node n;
  n.words = take_words();
  n.words.reserve(pending_.size());
  for (Token& t : pending_) n.words.push_back(std::move(t));
  pending_.clear();
  stack_.back().nodes.push_back(std::move(n));
}

void TreeBuilder::open(const Token& brace) {
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
  stack_.push_back(Frame{take_nodes(), brace.location});
}

void TreeBuilder::close(const Token& brace) {
  if (stack_.size() == 1) {
    diag_.error(brace.location, "'}' without a matching '{'");
    return;
  }
  pop();
}

void TreeBuilder::pop() {
  Frame f = std::move(stack_.back());
  stack_.pop_back();
  Node& owner = stack_.back().nodes.back();
  owner.children = std::move(f.nodes);
  if (!anonymous_.empty() && anonymous_.back() == stack_.size()) {
    anonymous_.pop_back();
    recycle(stack_.back().nodes.back());
    stack_.back().nodes.pop_back();
  }
  // A closed top-level block is complete: a `{` after it starts an anonymous block.
  if (stack_.size() == 1) flush_top_level();
}

void TreeBuilder::flush_top_level() {
  std::vector<Node>& top = stack_.front().nodes;
  for (Node& n : top) {
    sink_(std::move(n));
    recycle(n);
  }
  top.clear();
}

void TreeBuilder::recycle(Node& node) {
  for (Node& child : node.children) recycle(child);
  node.children.clear();
  if (node.children.capacity() != 0) spare_nodes_.push_back(std::move(node.children));
  node.words.clear();
  if (node.words.capacity() != 0) spare_words_.push_back(std::move(node.words));
}

std::vector<Token> TreeBuilder::take_words() {
  if (spare_words_.empty()) return {};
  std::vector<Token> v = std::move(spare_words_.back());
  spare_words_.pop_back();
  return v;
}

std::vector<Node> TreeBuilder::take_nodes() {
  if (spare_nodes_.empty()) return {};
  std::vector<Node> v = std::move(spare_nodes_.back());
  spare_nodes_.pop_back();
  return v;
}

std::vector<Node> build_tree(std::vector<Line> lines, Diagnostics& diag) {
  std::vector<Node> tree;
  TreeBuilder builder(diag, [&tree](Node&& n) { tree.push_back(std::move(n)); });
  for (Line& l : lines) builder.line(l.tokens);
  builder.finish();
  return tree;
}

}  // namespace vigil::parser
