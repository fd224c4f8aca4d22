///@file A Guest for unit tests that answers each command with the next scripted result.
#pragma once

#include "guest/errors.hpp"
#include "guest/guest.hpp"

#include <deque>
#include <string>
#include <vector>

namespace nixdrill::test {

/// Answers each exec with the next scripted result (the last one repeats) and records commands.
class ScriptedGuest final : public guest::Guest {
public:
    std::deque<guest::ExecResult> script;
    std::vector<std::string> commands;

    const std::string& name() const override { return name_; }
    void start() override {}
    bool isUp() override { return true; }
    void shutdown(std::chrono::milliseconds) override {}
    void destroy() noexcept override {}
    guest::ExecResult exec(std::string_view command, std::chrono::milliseconds, std::optional<std::string>) override {
        commands.emplace_back(command);
        auto result = script.front();
        if (script.size() > 1) {
            script.pop_front();
        }
        result.command = std::string(command);
        return result;
    }

protected:
    guest::Agent& agent() override { throw guest::GuestBroken("no agent in this test"); }

private:
    std::string name_ = "scripted";
};

} // namespace nixdrill::test
