#pragma once

#include <functional>
#include <string>
#include <vector>

#include "parser/diagnostics.h"
#include "parser/node.h"
#include "parser/token.h"

namespace vigil::parser {

// Groups logical lines into statements and blocks. A `{` ends the statement before it and
// opens its block (a `{` alone, on the next line, belongs to the previous statement); a `}`
// closes the innermost block. Several braces may share a line: `track_script { chk }`.
// Unbalanced braces are errors with the location of the brace (or of the unclosed block).
//
// Streaming: lines go in one at a time and every top-level statement is handed to `sink` as
// soon as nothing later can change it (the next statement started, or its block closed), so a
// large configuration never exists as a whole tree.
class TreeBuilder {
 public:
  using Sink = std::function<void(Node&& statement)>;

  TreeBuilder(Diagnostics& diag, Sink sink);

  // One logical line; its words are moved from.
  void line(std::vector<Token>& tokens);
  // The end of input: closes what is still open (with an error each) and hands over the rest.
  void finish();

 private:
  struct Frame {
    std::vector<Node> nodes;
    SourceLocation open_brace;
    // The block's owner is the last node of the frame below, which does not move while this
    // one is open.
  };

  void finish_statement();
  void open(const Token& brace);
  void close(const Token& brace);
  void pop();
  // Hands every completed top-level statement to the sink.
  void flush_top_level();
  // Keeps the vectors of a statement that has been handed over for the next ones: a large
  // configuration is thousands of alike blocks, and reusing their storage spares the
  // allocator a free and a malloc per statement (and the fragmentation between the model's
  // allocations that comes with them).
  void recycle(Node& node);
  std::vector<Token> take_words();
  std::vector<Node> take_nodes();

  Diagnostics& diag_;
  Sink sink_;
  std::vector<Frame> stack_;
  std::vector<Token> pending_;
  std::vector<std::size_t> anonymous_;  // stack depths of discarded anonymous blocks
  std::vector<std::vector<Token>> spare_words_;
  std::vector<std::vector<Node>> spare_nodes_;
};

std::vector<Node> build_tree(std::vector<Line> lines, Diagnostics& diag);

}  // namespace vigil::parser
