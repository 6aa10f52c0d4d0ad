// SPDX-License-Identifier: AGPL-3.0-or-later
// Page registry: each page is async (ctx) -> {title, node}.
export { home, register, login } from './account.js';
export { assemblies, createAssembly, assembly, invitation } from './assemblies.js';
export { audit } from './audit.js';
export { proposalList, newProposal, proposal, editProposal, translateProposal } from './proposals.js';
export { selections, selection, selectionCheck } from './selection.js';
export { questionList, newQuestion, question, questionBoard, editQuestion, translateQuestion } from './questions.js';
export { notFound, flash, setNavigate } from './common.js';
